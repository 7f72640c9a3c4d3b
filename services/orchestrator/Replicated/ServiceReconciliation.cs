using System.Collections.Concurrent;
using System.Diagnostics;
using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Orchestration;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Replicated;

/// <summary>
/// Runs <see cref="ReplicatedReconciler"/> for one service on fresh state from the log and appends
/// what it decided. One reconciliation per service at a time in this process; across processes the
/// log's optimistic concurrency and the derived task ids keep decisions from doubling up.
/// </summary>
public sealed class ServiceReconciliation(IDocumentStore store, TimeProvider time, ILogger<ServiceReconciliation> logger)
{
    public static readonly ActivitySource Source = new("Swarm.Orchestrator");
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new();

    public async Task ReconcileAsync(Guid serviceId, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(serviceId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            using var activity = Source.StartActivity("reconcile service");
            activity?.SetTag("swarm.service.id", serviceId);
            await Conflicts.RetryAsync(_ => ReconcileOnceAsync(serviceId, cancellationToken), cancellationToken: cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Reconciles every service with a live task on the node (after it went down or was drained).</summary>
    public async Task ReconcileServicesOnNodeAsync(Guid nodeId, CancellationToken cancellationToken)
    {
        List<Guid> services;
        await using (var query = store.QuerySession())
        {
            var tasks = await query.Query<SwarmTask>().Where(t => t.NodeId == nodeId).ToListAsync(cancellationToken);
            services = tasks.Where(t => !t.IsTerminal && t.DesiredState <= DesiredState.Running).Select(t => t.ServiceId).Distinct().ToList();
        }

        foreach (var serviceId in services)
        {
            await ReconcileAsync(serviceId, cancellationToken);
        }
    }

    private async Task ReconcileOnceAsync(Guid serviceId, CancellationToken cancellationToken)
    {
        Service? service;
        IReadOnlyList<SwarmTask> tasks;
        Dictionary<Guid, string> unavailable;
        await using (var query = store.QuerySession())
        {
            service = await query.LoadAsync<Service>(serviceId, cancellationToken);
            if (service is null)
            {
                return;
            }

            tasks = await query.Query<SwarmTask>().Where(t => t.ServiceId == serviceId).ToListAsync(cancellationToken);
            var nodes = await query.Query<Node>().ToListAsync(cancellationToken);
            unavailable = nodes
                .Where(n => n.Status == NodeStatus.Down || n.Availability == NodeAvailability.Drain)
                .ToDictionary(n => n.Id, n => n.Status == NodeStatus.Down ? "down" : "drained");
        }

        var now = time.GetUtcNow();
        var plan = ReplicatedReconciler.Reconcile(service, tasks, unavailable, now);
        if (plan.IsEmpty)
        {
            return;
        }

        await using var session = store.LightweightSession();
        session.Stamp(serviceId);
        foreach (var create in plan.Create)
        {
            var taskId = TaskIds.ForSlot(service.Id, create.Slot, create.Attempt);
            session.Events.StartStream<SwarmTask>(taskId, new TaskCreated
            {
                TaskId = taskId,
                ServiceId = service.Id,
                ServiceName = service.Name,
                Slot = create.Slot,
                Attempt = create.Attempt,
                SpecVersion = service.SpecVersion,
                Spec = service.Spec,
                DesiredState = create.DesiredState,
                StartAfter = create.StartAfter,
                Reason = create.Reason,
                CreatedAt = now,
            });
        }

        var touched = plan.Changes.Select(c => c.TaskId).Concat(plan.ShutdownUnassigned).Distinct();
        foreach (var taskId in touched)
        {
            var stream = await session.Events.FetchForWriting<SwarmTask>(taskId, cancellationToken);
            if (stream.Aggregate is not { } task)
            {
                continue;
            }

            var events = new List<object>();
            foreach (var change in plan.Changes.Where(c => c.TaskId == taskId))
            {
                if (TaskDecisions.ChangeDesired(task, change.DesiredState, change.Reason, now) is { } changed)
                {
                    events.Add(changed);
                    task = task.Apply(changed);
                }
            }

            if (TaskDecisions.ShutdownUnassigned(task, "shut down before it was assigned to a node", now) is { } shutdown)
            {
                events.Add(shutdown);
            }

            if (events.Count > 0)
            {
                stream.AppendMany(events);
            }
        }

        await session.SaveChangesAsync(cancellationToken);
        logger.LogInformation(
            "service {Name}: created {Created} tasks, changed {Changed}{Detail}",
            service.Name,
            plan.Create.Count,
            plan.Changes.Count,
            plan.Create.Count > 0 ? $" ({string.Join(", ", plan.Create.Select(c => $"slot {c.Slot}: {c.Reason}"))})" : "");
    }
}
