using System.Collections.Concurrent;
using System.Diagnostics;
using Marten;
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
/// The periodic safety net (<see cref="ServiceReconciliation.ReconcileAllAsync"/>) on the real log:
/// services where nothing changed are left out, a change no message announced is still acted on.
/// </summary>
public sealed class PeriodicReconcileTests : IDisposable
{
    private readonly ConcurrentQueue<Guid> _reconciled = new();
    private readonly ActivityListener _listener;

    public PeriodicReconcileTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Swarm.Orchestrator",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.DisplayName == "reconcile service" && activity.GetTagItem("swarm.service.id") is Guid id)
                {
                    _reconciled.Enqueue(id);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [SkippableFact]
    public async Task Services_where_nothing_changed_are_left_out_and_a_task_that_failed_unannounced_is_replaced()
    {
        await using var log = await SeededLog.CreateAsync();
        var quiet = await ServiceAsync(log, "quiet");
        var failing = await ServiceAsync(log, "failing");
        var reconciliation = await SettledAsync(log);
        Assert.Equal(2, (await TasksAsync(log, quiet)).Count);
        Assert.Equal(2, (await TasksAsync(log, failing)).Count);

        _reconciled.Clear();
        await reconciliation.ReconcileAllAsync(CancellationToken.None);
        Assert.Empty(Of(quiet, failing));

        // a task fails and its message never reaches the orchestrator
        var task = (await TasksAsync(log, failing))[0];
        await using (var session = log.Store.LightweightSession())
        {
            session.Events.Append(task.Id, new TaskStatusChanged { TaskId = task.Id, ServiceId = failing, State = TaskState.Failed, Message = "exited", Error = "exit 1", ExitCode = 1, At = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }

        await reconciliation.ReconcileAllAsync(CancellationToken.None);
        Assert.Equal([failing], Of(quiet, failing));
        Assert.Equal(3, (await TasksAsync(log, failing)).Count);
        Assert.Equal(2, (await TasksAsync(log, quiet)).Count);
    }

    [SkippableFact]
    public async Task A_task_reaped_and_another_made_is_a_change_even_when_counts_and_versions_add_up_the_same()
    {
        await using var log = await SeededLog.CreateAsync();
        var service = await ServiceAsync(log, "swapped");
        var reconciliation = await SettledAsync(log);

        // two tasks at version 1 before, two tasks at version 1 after: only their ids differ
        var reaped = (await TasksAsync(log, service))[0];
        var made = Guid.NewGuid();
        await using (var session = log.Store.LightweightSession())
        {
            session.Events.Append(reaped.Id, new TaskReaped { TaskId = reaped.Id, ServiceId = service, Reason = "test", At = DateTimeOffset.UtcNow });
            session.Events.StartStream<SwarmTask>(made, new TaskCreated { TaskId = made, ServiceId = service, ServiceName = "swapped", Slot = 7, Attempt = 1, DesiredState = DesiredState.Shutdown, CreatedAt = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }

        Assert.Equal(2, (await TasksAsync(log, service)).Count);
        _reconciled.Clear();
        await reconciliation.ReconcileAllAsync(CancellationToken.None);
        Assert.Equal([service], Of(service));
    }

    [SkippableFact]
    public async Task A_change_of_the_cluster_settings_reconciles_every_service_again()
    {
        await using var log = await SeededLog.CreateAsync();
        var first = await ServiceAsync(log, "first");
        var second = await ServiceAsync(log, "second");
        var reconciliation = await SettledAsync(log);

        await using (var session = log.Store.LightweightSession())
        {
            session.Events.Append(Swarm.Domain.Cluster.ClusterSettings.DefaultId, new ClusterUpdated { ClusterId = Swarm.Domain.Cluster.ClusterSettings.DefaultId, TaskHistoryLimit = 3, At = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }

        _reconciled.Clear();
        await reconciliation.ReconcileAllAsync(CancellationToken.None);
        Assert.Equal(new[] { first, second }.Order(), Of(first, second).Order());
    }

    [SkippableFact]
    public async Task A_service_that_cannot_be_reconciled_says_why_once_and_does_not_stop_the_others()
    {
        await using var log = await SeededLog.CreateAsync();

        // written straight to the log, as a spec accepted before its values were bounded would be
        var broken = await ServiceAsync(log, "broken", new RestartPolicySpec { DelaySeconds = 1e12 });
        var healthy = await ServiceAsync(log, "healthy");
        var reconciliation = new ServiceReconciliation(log.Store, TimeProvider.System, NullLogger<ServiceReconciliation>.Instance);

        await reconciliation.ReconcileAllAsync(CancellationToken.None);

        Assert.Equal(2, (await TasksAsync(log, healthy)).Count);
        Assert.Empty(await TasksAsync(log, broken));
        var error = (await ServiceOfAsync(log, broken)).ReconcileError;
        Assert.NotNull(error);
        Assert.Contains("OverflowException", error.Reason);

        // every later pass fails the same way: the reason is written once, not once per pass
        var version = await StreamVersionAsync(log, broken);
        await reconciliation.ReconcileAsync(broken, CancellationToken.None);
        await reconciliation.ReconcileAllAsync(CancellationToken.None);
        Assert.Equal(version, await StreamVersionAsync(log, broken));

        // a spec with values in range clears it and the service gets its tasks
        await using (var session = log.Store.LightweightSession())
        {
            var service = await ServiceOfAsync(log, broken);
            session.Events.Append(broken, new ServiceUpdated { ServiceId = broken, Spec = service.Spec with { RestartPolicy = new RestartPolicySpec { DelaySeconds = 5 } }, PreviousSpec = service.Spec, SpecVersion = 2, UpdatedAt = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }

        await reconciliation.ReconcileAsync(broken, CancellationToken.None);
        Assert.Null((await ServiceOfAsync(log, broken)).ReconcileError);
        Assert.Equal(2, (await TasksAsync(log, broken)).Count);
    }

    [SkippableFact]
    public async Task A_failure_recorded_earlier_is_cleared_by_the_next_reconciliation_that_succeeds()
    {
        await using var log = await SeededLog.CreateAsync();
        var service = await ServiceAsync(log, "fixed");

        // as an orchestrator with a fault since mended left it
        await using (var session = log.Store.LightweightSession())
        {
            session.Events.Append(service, new ServiceReconciliationFailed { ServiceId = service, Reason = "a fault since mended", At = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }

        Assert.NotNull((await ServiceOfAsync(log, service)).ReconcileError);
        var reconciliation = new ServiceReconciliation(log.Store, TimeProvider.System, NullLogger<ServiceReconciliation>.Instance);
        await reconciliation.ReconcileAsync(service, CancellationToken.None);

        Assert.Null((await ServiceOfAsync(log, service)).ReconcileError);
        Assert.Equal(2, (await TasksAsync(log, service)).Count);
    }

    private static async Task<Service> ServiceOfAsync(SeededLog log, Guid id)
    {
        await using var query = log.Store.QuerySession();
        return (await query.LoadAsync<Service>(id))!;
    }

    private static async Task<long> StreamVersionAsync(SeededLog log, Guid id)
    {
        await using var query = log.Store.QuerySession();
        return (await query.Events.FetchStreamStateAsync(id))!.Version;
    }

    /// <summary>
    /// A reconciliation that has settled the seeded services: the first pass creates their tasks, the second
    /// finds the state the first left and nothing to do.
    /// </summary>
    private static async Task<ServiceReconciliation> SettledAsync(SeededLog log)
    {
        var reconciliation = new ServiceReconciliation(log.Store, TimeProvider.System, NullLogger<ServiceReconciliation>.Instance);
        await reconciliation.ReconcileAllAsync(CancellationToken.None);
        await reconciliation.ReconcileAllAsync(CancellationToken.None);
        return reconciliation;
    }

    /// <summary>Reconciliations of these services only (other tests reconcile in the same process at the same time).</summary>
    private List<Guid> Of(params Guid[] services) => _reconciled.Where(services.Contains).Distinct().ToList();

    private static async Task<Guid> ServiceAsync(SeededLog log, string name, RestartPolicySpec? restartPolicy = null)
    {
        var id = Guid.NewGuid();
        await using var session = log.Store.LightweightSession();
        session.Events.StartStream<Service>(id, new ServiceCreated { ServiceId = id, Spec = new ServiceSpec { Name = name, Replicas = 2, Command = ["sleep", "3600"], RestartPolicy = restartPolicy }, CreatedAt = DateTimeOffset.UtcNow });
        await session.SaveChangesAsync();
        return id;
    }

    private static async Task<IReadOnlyList<SwarmTask>> TasksAsync(SeededLog log, Guid serviceId)
    {
        await using var query = log.Store.QuerySession();
        return await query.Query<SwarmTask>().Where(t => t.ServiceId == serviceId).OrderBy(t => t.Slot).ToListAsync();
    }

    public void Dispose() => _listener.Dispose();
}
