using System.Diagnostics;
using Marten;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Scheduling;
using Swarm.Domain.Tasks;
using Swarm.EventStore;

namespace Swarm.Scheduler;

/// <summary>
/// Places pending tasks: builds the node candidates (with how many live tasks each runs) from the
/// read models, asks <see cref="NodePicker"/>, and appends the assignment — or the reason no node fits —
/// to the task's stream, checked against its version.
/// </summary>
public sealed class Placement(IDocumentStore store, TimeProvider time, ILogger<Placement> logger)
{
    public static readonly ActivitySource Source = new("Swarm.Scheduler");
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Task ScheduleAsync(Guid taskId, CancellationToken cancellationToken) => ScheduleManyAsync([taskId], cancellationToken);

    /// <summary>Tries again every task still pending (after nodes change, and periodically).</summary>
    public async Task ScheduleAllPendingAsync(CancellationToken cancellationToken)
    {
        List<Guid> pending;
        await using (var query = store.QuerySession())
        {
            var tasks = await query.Query<SwarmTask>().Where(t => t.State == TaskState.Pending).ToListAsync(cancellationToken);
            pending = tasks.Where(t => t.DesiredState <= DesiredState.Running).OrderBy(t => t.CreatedAt).Select(t => t.Id).ToList();
        }

        if (pending.Count > 0)
        {
            await ScheduleManyAsync(pending, cancellationToken);
        }
    }

    private async Task ScheduleManyAsync(IReadOnlyList<Guid> taskIds, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var chunk in taskIds.Chunk(100))
            {
                using var activity = Source.StartActivity("schedule tasks");
                activity?.SetTag("swarm.tasks", chunk.Length);
                await Conflicts.RetryAsync(_ => ScheduleChunkAsync(chunk, cancellationToken), cancellationToken: cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ScheduleChunkAsync(IReadOnlyList<Guid> taskIds, CancellationToken cancellationToken)
    {
        List<Node> nodes;
        List<SwarmTask> placed;
        await using (var query = store.QuerySession())
        {
            nodes = [.. await query.Query<Node>().ToListAsync(cancellationToken)];
            var assigned = await query.Query<SwarmTask>().Where(t => t.NodeId != null).ToListAsync(cancellationToken);
            placed = assigned.Where(t => !t.IsTerminal && t.DesiredState <= DesiredState.Running).ToList();
        }

        var total = placed.GroupBy(t => t.NodeId!.Value).ToDictionary(g => g.Key, g => g.Count());
        var perService = placed.GroupBy(t => (t.ServiceId, t.NodeId!.Value)).ToDictionary(g => g.Key, g => g.Count());
        var now = time.GetUtcNow();

        await using var session = store.LightweightSession();
        session.Stamp();
        var assignedCount = 0;
        foreach (var taskId in taskIds)
        {
            var stream = await session.Events.FetchForWriting<SwarmTask>(taskId, cancellationToken);
            if (stream.Aggregate is not { State: TaskState.Pending } task || task.DesiredState > DesiredState.Running)
            {
                continue;
            }

            var candidates = nodes
                .Select(n => new NodeCandidate(n.Id, n.Hostname, n.Status, n.Availability, perService.GetValueOrDefault((task.ServiceId, n.Id)), total.GetValueOrDefault(n.Id)))
                .ToList();
            var result = NodePicker.Pick(candidates);
            if (result.Node is { } node && TaskDecisions.Assign(task, node.Id, now) is { } assignedEvent)
            {
                stream.AppendOne(assignedEvent);
                total[node.Id] = total.GetValueOrDefault(node.Id) + 1;
                perService[(task.ServiceId, node.Id)] = perService.GetValueOrDefault((task.ServiceId, node.Id)) + 1;
                assignedCount++;
            }
            else if (result.Reason is { } reason && TaskDecisions.MarkUnschedulable(task, reason, now) is { } unschedulable)
            {
                stream.AppendOne(unschedulable);
                logger.LogInformation("task {TaskId} of {Service}: {Reason}", task.Id, task.ServiceName, reason);
            }
        }

        await session.SaveChangesAsync(cancellationToken);
        if (assignedCount > 0)
        {
            logger.LogInformation("assigned {Count} tasks", assignedCount);
        }
    }
}
