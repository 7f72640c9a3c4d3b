using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Orchestrator.Reconciliation;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Orchestration;

/// <summary>
/// Which trace a created task's lifecycle joins: the message that asked for the reconciliation, or,
/// when no message did (the periodic safety net, start-up), the request that wrote the service's spec.
/// </summary>
public sealed class TaskCreatedTraceTests : IDisposable
{
    private const string RequestsName = "Swarm.IntegrationTests.Requests";
    private const string OrchestratorName = "Swarm.Orchestrator";
    private static readonly ActivitySource Requests = new(RequestsName);
    private readonly ConcurrentBag<Activity> _recorded = [];
    private readonly ActivityListener _listener;

    public TaskCreatedTraceTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is RequestsName or OrchestratorName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _recorded.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [SkippableFact]
    public async Task A_reconciliation_no_message_asked_for_creates_tasks_in_the_trace_of_the_request_that_wrote_the_spec()
    {
        await using var log = await SeededLog.CreateAsync();
        var serviceId = Guid.NewGuid();
        string requestId;
        using (var request = Requests.StartActivity("POST /api/services")!)
        {
            requestId = request.Id!;
            await using var session = log.Store.LightweightSession();
            session.Stamp(serviceId);
            session.Events.StartStream<Service>(serviceId, new ServiceCreated { ServiceId = serviceId, Spec = Spec("traced", 2), CreatedAt = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }

        await using (var query = log.Store.QuerySession())
        {
            Assert.Equal(requestId, (await query.LoadAsync<Service>(serviceId))!.SpecTraceParent);
        }

        // what the safety net does: no ambient trace
        Activity.Current = null;
        var reconciliation = new ServiceReconciliation(log.Store, TimeProvider.System, NullLogger<ServiceReconciliation>.Instance);
        await reconciliation.ReconcileAsync(serviceId, CancellationToken.None);

        var created = await CreatedAsync(log, serviceId);
        Assert.Equal(2, created.Count);
        var spec = ActivityContext.Parse(requestId, null);
        Assert.All(created, c =>
        {
            var span = _recorded.Single(a => a.Id == c.TraceParent);
            Assert.Equal("task created", span.DisplayName);
            Assert.Equal(spec.TraceId, span.TraceId);
            Assert.Equal(spec.SpanId, span.ParentSpanId);
        });
    }

    [SkippableFact]
    public async Task A_reconciliation_a_message_asked_for_creates_tasks_in_that_messages_trace()
    {
        await using var log = await SeededLog.CreateAsync();
        var serviceId = Guid.NewGuid();
        using (Requests.StartActivity("POST /api/services"))
        {
            await using var session = log.Store.LightweightSession();
            session.Stamp(serviceId);
            session.Events.StartStream<Service>(serviceId, new ServiceCreated { ServiceId = serviceId, Spec = Spec("replaced", 1), CreatedAt = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }

        Activity.Current = null;
        var reconciliation = new ServiceReconciliation(log.Store, TimeProvider.System, NullLogger<ServiceReconciliation>.Instance);
        ActivityTraceId messageTrace;
        using (var message = Requests.StartActivity("consume task_status_changed")!)
        {
            messageTrace = message.TraceId;
            await reconciliation.ReconcileAsync(serviceId, CancellationToken.None);
        }

        var created = Assert.Single(await CreatedAsync(log, serviceId));
        var span = _recorded.Single(a => a.Id == created.TraceParent);
        Assert.Equal(messageTrace, span.TraceId);
        Assert.Equal("reconcile service", _recorded.Single(a => a.SpanId == span.ParentSpanId).DisplayName);
    }

    private static ServiceSpec Spec(string name, int replicas) => new() { Name = name, Replicas = replicas, Command = ["sleep", "3600"] };

    private static async Task<List<TaskCreated>> CreatedAsync(SeededLog log, Guid serviceId)
    {
        await using var query = log.Store.QuerySession();
        var ids = await Marten.QueryableExtensions.ToListAsync(query.Query<SwarmTask>().Where(t => t.ServiceId == serviceId).Select(t => t.Id));
        var created = new List<TaskCreated>();
        foreach (var id in ids)
        {
            var events = await query.Events.FetchStreamAsync(id);
            created.Add(Assert.IsType<TaskCreated>(events[0].Data));
        }

        return created;
    }

    public void Dispose() => _listener.Dispose();
}
