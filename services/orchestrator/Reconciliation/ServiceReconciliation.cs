using System.Collections.Concurrent;
using System.Diagnostics;
using JasperFx.Events;
using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.ServiceDefaults.Tracing;
using Swarm.Domain.Cluster;
using Swarm.Domain.Nodes;
using Swarm.Domain.Orchestration;
using Swarm.Domain.Orchestration.ConstraintEnforcer;
using Swarm.Domain.Orchestration.Global;
using Swarm.Domain.Orchestration.Jobs;
using Swarm.Domain.Orchestration.Replicated;
using Swarm.Domain.Orchestration.TaskReaper;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.Messaging;
using Swarm.EventStore.Queries;

namespace Swarm.Orchestrator.Reconciliation;

/// <summary>
/// Runs the reconciler of a service's mode (<see cref="ReplicatedReconciler"/>, <see cref="GlobalReconciler"/>,
/// <see cref="JobReconciler"/>) and the <see cref="Reaper"/> for one service on fresh state from the log,
/// and appends what they decided. One reconciliation per service at a time in this process; across processes the
/// log's optimistic concurrency and the derived task ids keep decisions from doubling up.
/// </summary>
public sealed class ServiceReconciliation(IDocumentStore store, TimeProvider time, ILogger<ServiceReconciliation> logger)
{
    public static readonly ActivitySource Source = new("Swarm.Orchestrator");
    private readonly ReconcileQueue _queue = new();

    /// <summary>
    /// Reconciles the service on fresh state. Requests for a service coalesce (see <see cref="ReconcileQueue"/>):
    /// a thousand tasks ending at once make a handful of reconciliations, not a thousand, each of which
    /// reads every task of the service.
    /// </summary>
    public Task ReconcileAsync(Guid serviceId, CancellationToken cancellationToken) =>
        _queue.RunAsync(serviceId, RunAsync, cancellationToken);

    private async Task RunAsync(Guid serviceId, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity("reconcile service");
        activity?.SetTag("swarm.service.id", serviceId);
        await Conflicts.RetryAsync(_ => ReconcileOnceAsync(serviceId, cancellationToken), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Reconciles one service of a pass over many: a service that fails is logged and left to the next pass,
    /// and the pass goes on with the others. False when it failed. An outage of the database or the broker
    /// is not one service's failure: it ends the pass, and the message that started it is retried
    /// (<see cref="MessageRetry"/>).
    /// </summary>
    public async Task<bool> ReconcileOneOfManyAsync(Guid serviceId, CancellationToken cancellationToken)
    {
        try
        {
            await ReconcileAsync(serviceId, cancellationToken);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !MessageRetry.IsOutage(ex))
        {
            logger.LogError(ex, "reconciling service {ServiceId} failed; the other services go on", serviceId);
            return false;
        }
    }

    /// <summary>Reconciles every global service, and every service with a live task on the node.</summary>
    public async Task ReconcileAfterNodeChangeAsync(Guid nodeId, CancellationToken cancellationToken)
    {
        await ReconcileGlobalAsync(cancellationToken);
        await ReconcileServicesOnNodeAsync(nodeId, cancellationToken);
    }

    /// <summary>
    /// Reconciles every global service: what a node joining or coming back needs. Replicated services
    /// have nothing to do then (their pending tasks are the scheduler's), so a thousand nodes joining
    /// do not reconcile every replicated service a thousand times.
    /// </summary>
    public async Task ReconcileGlobalAsync(CancellationToken cancellationToken)
    {
        List<Guid> global;
        await using (var query = store.QuerySession())
        {
            var services = await query.Query<Service>().Where(x => !x.Removed).ToListAsync(cancellationToken);
            global = services.Where(x => ServiceModes.IsGlobal(ServiceModes.Of(x.Spec))).Select(x => x.Id).ToList();
        }

        foreach (var id in global)
        {
            await ReconcileOneOfManyAsync(id, cancellationToken);
        }
    }

    // what each service, its tasks, the nodes and the cluster settings were when the service was last
    // reconciled to completion, and when (see ReconcileAllAsync)
    private readonly ConcurrentDictionary<Guid, (string Fingerprint, DateTimeOffset At)> _settled = new();

    /// <summary>
    /// How long an unchanged service is left out of the periodic reconciliation at most: a restart policy's
    /// window is counted back from the present, so a slot whose restarts ran out may get one again later.
    /// </summary>
    public static readonly TimeSpan SettledFor = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Reconciles every service the log knows (removed ones too: their tasks are shut down and reaped),
    /// except those where nothing the decision depends on changed since their last reconciliation (for up
    /// to <see cref="SettledFor"/>): this is the periodic safety net, and reading every task of every
    /// service each time cost more CPU than anything else an idle control plane does. Time-driven
    /// decisions (restart delays, rolling updates) are made by <see cref="ReconcileLoop"/> on their own
    /// schedule.
    /// </summary>
    public async Task ReconcileAllAsync(CancellationToken cancellationToken)
    {
        foreach (var (id, fingerprint) in await store.ServiceFingerprintsAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            if (_settled.TryGetValue(id, out var settled) && settled.Fingerprint == fingerprint && now - settled.At < SettledFor)
            {
                continue;
            }

            if (await ReconcileOneOfManyAsync(id, cancellationToken))
            {
                _settled[id] = (fingerprint, now);
            }
        }
    }

    /// <summary>Reconciles every service with a live task on the node (after it went down, was drained or removed).</summary>
    public async Task ReconcileServicesOnNodeAsync(Guid nodeId, CancellationToken cancellationToken)
    {
        IReadOnlyList<Guid> services;
        await using (var query = store.QuerySession())
        {
            services = await query.Query<SwarmTask>()
                .Where(t => t.NodeId == nodeId && TaskStateMachine.NonTerminal.Contains(t.State) && TaskStateMachine.Runnable.Contains(t.DesiredState))
                .Select(t => t.ServiceId)
                .Distinct()
                .ToListAsync(cancellationToken);
        }

        foreach (var serviceId in services)
        {
            await ReconcileOneOfManyAsync(serviceId, cancellationToken);
        }
    }

    private async Task ReconcileOnceAsync(Guid serviceId, CancellationToken cancellationToken)
    {
        IReadOnlyList<SwarmTask> tasks;
        int historyLimit;
        await using (var query = store.QuerySession())
        {
            tasks = await query.Query<SwarmTask>().Where(t => t.ServiceId == serviceId).ToListAsync(cancellationToken);
            historyLimit = (await query.LoadAsync<ClusterSettings>(ClusterSettings.DefaultId, cancellationToken))?.TaskHistoryLimit ?? ClusterSettings.DefaultTaskHistoryLimit;
        }

        // creating or shutting down a thousand tasks is written through several sessions in one
        // transaction (see SessionGroup)
        await using var sessions = await SessionGroup.BeginAsync(store, cancellationToken, serviceId);
        var session = sessions.NewSession();

        // the service is read for writing: a decision about it (update status, rollback) is checked
        // against its version at commit
        var serviceStream = await session.Events.FetchForWriting<Service>(serviceId, cancellationToken);
        if (serviceStream.Aggregate is not { } service)
        {
            return;
        }

        // a global service looks at every node; a replicated one only at the nodes its tasks are on
        // (whether they are down, drained or no longer suitable)
        var mode = ServiceModes.Of(service.Spec);
        IReadOnlyList<Node> nodes = ServiceModes.IsGlobal(mode)
            ? await session.Query<Node>().ToListAsync(cancellationToken)
            : await session.LoadManyAsync<Node>(cancellationToken, tasks.Where(t => t.NodeId is not null).Select(t => t.NodeId!.Value).Distinct());
        var now = time.GetUtcNow();
        ReconcilePlan plan;
        ReapPlan reap;
        List<TaskCreated> newTasks;
        try
        {
            plan = mode switch
            {
                ServiceModes.Global or ServiceModes.GlobalJob => GlobalReconciler.Reconcile(service, tasks, nodes, now),
                ServiceModes.ReplicatedJob => JobReconciler.Reconcile(service, tasks, UnavailableNodes.Of(service, nodes), now),
                _ => ReplicatedReconciler.Reconcile(service, tasks, UnavailableNodes.Of(service, nodes), now),
            };
            // a removed node's agent is cut off as a down node's is: no one can stop its tasks
            reap = Reaper.Plan(service, tasks, nodes.Where(n => n.Status == NodeStatus.Down || n.Removed).Select(n => n.Id).ToHashSet(), historyLimit);
            newTasks = await NewTaskStreams.CreatedAsync(session, service, plan.Create, now, cancellationToken);
        }
        catch (Exception ex) when (IsSpecFault(ex))
        {
            // the same spec and state would fail the same way on every attempt: record why, once, and leave
            // the service as it is rather than fail the message (and every later one) for this service
            await RecordFailureAsync(sessions, serviceStream, service, ex, now, cancellationToken);
            return;
        }

        // a failure recorded earlier is over (the orchestrator was fixed, or what the decision read changed)
        var recovered = service.ReconcileError is not null;
        if (recovered)
        {
            serviceStream.AppendOne(new ServiceReconciliationRecovered { ServiceId = service.Id, At = now });
        }

        if (plan.IsEmpty && reap.IsEmpty && !recovered)
        {
            return;
        }

        if (plan.ServiceEvent is { } serviceEvent)
        {
            serviceStream.AppendOne(serviceEvent);
        }

        foreach (var chunk in newTasks.Chunk(SessionGroup.StreamsPerSession))
        {
            var creating = sessions.NewSession();
            foreach (var created in chunk)
            {
                creating.Events.StartStream<SwarmTask>(created.TaskId, created.Traced(service.SpecTraceParent));
            }
        }

        // every task the plan touches is read for writing, a round trip per session
        var touched = plan.Changes.Select(c => c.TaskId).Concat(plan.ShutdownUnassigned).Concat(reap.Orphan).Concat(reap.Reap).Distinct().ToList();
        var fetches = touched.Count > 0 ? await sessions.FetchForWritingAsync<SwarmTask>(touched, cancellationToken) : [];

        var changes = plan.Changes.ToLookup(c => c.TaskId);
        var orphan = reap.Orphan.ToHashSet();
        var reaped = reap.Reap.ToHashSet();
        foreach (var stream in fetches)
        {
            var taskId = stream.Id;
            if (stream.Aggregate is not { } task)
            {
                continue;
            }

            var events = new List<object>();
            foreach (var change in changes[taskId])
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

            if (orphan.Contains(taskId) && TaskDecisions.Orphan(task, "its node is down or removed, it cannot be stopped", now) is { } orphaned)
            {
                events.Add(orphaned);
            }

            if (reaped.Contains(taskId))
            {
                events.Add(new TaskReaped { TaskId = taskId, ServiceId = task.ServiceId, Reason = "task history", At = now });
            }

            if (events.Count > 0)
            {
                stream.AppendMany(events);
            }
        }

        await sessions.CommitAsync(cancellationToken);
        if (plan.IsEmpty)
        {
            return;
        }

        logger.LogInformation(
            "service {Name}: created {Created} tasks, changed {Changed}{Detail}",
            service.Name,
            plan.Create.Count,
            plan.Changes.Count,
            plan.Create.Count > 0 ? $" ({string.Join(", ", plan.Create.Select(c => $"slot {c.Slot}: {c.Reason}"))})" : "");
        if (plan.ServiceEvent is { } applied)
        {
            logger.LogInformation("service {Name}: {Event}", service.Name, applied);
        }
    }

    /// <summary>
    /// A fault of the decision itself (arithmetic on the spec's values, an argument out of range), which
    /// retrying cannot cure, as opposed to the store, the network or a cancellation.
    /// </summary>
    private static bool IsSpecFault(Exception ex) =>
        ex is ArithmeticException or ArgumentException or InvalidOperationException or FormatException or IndexOutOfRangeException or KeyNotFoundException or NullReferenceException
        && ex is not ObjectDisposedException
        && ex.Source is not ("Npgsql" or "Marten" or "JasperFx" or "JasperFx.Events");

    /// <summary>Why the service cannot be reconciled, in words an operator can act on.</summary>
    public static string DescribeFailure(Exception ex) =>
        $"{ex.Message.TrimEnd('.')} ({ex.GetType().Name}); update the service with values in range";

    private async Task RecordFailureAsync(SessionGroup sessions, IEventStream<Service> serviceStream, Service service, Exception ex, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reason = DescribeFailure(ex);
        if (service.ReconcileError?.Reason == reason)
        {
            logger.LogDebug("service {Name} still cannot be reconciled: {Reason}", service.Name, reason);
            return;
        }

        logger.LogError(ex, "service {Name} ({ServiceId}) cannot be reconciled: {Reason}", service.Name, service.Id, reason);
        serviceStream.AppendOne(new ServiceReconciliationFailed { ServiceId = service.Id, Reason = reason, At = now });
        await sessions.CommitAsync(cancellationToken);
    }
}
