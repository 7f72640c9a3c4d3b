using System.Collections.Concurrent;
using System.Diagnostics;
using Marten;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Scheduling;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.EventStore.Queries;
using Swarm.ServiceDefaults.Tracing;

namespace Swarm.Scheduler;

/// <summary>
/// Places pending tasks in rounds: rebuilds the <see cref="NodeSet"/> (what every node holds) from the
/// read models, groups the pending tasks by service and spec version, lets
/// <see cref="TaskGroupScheduler"/> decide each group, and appends the assignments — or the reason no
/// node fits — to the tasks' streams in one transaction, each checked against the version it was
/// decided from. A conflict re-decides the round from fresh state. Rounds never overlap.
/// </summary>
public sealed class Placement(IDocumentStore store, TimeProvider time, ILogger<Placement> logger)
{
    public static readonly ActivitySource Source = new("Swarm.Scheduler");

    /// <summary>
    /// Tasks decided per transaction. Each round first reads every node and every live task to know
    /// what the nodes hold, so a burst goes faster in few large rounds than in many small ones.
    /// </summary>
    public const int WriteBatch = 2000;

    private readonly SemaphoreSlim _gate = new(1, 1);

    // what a task of a service's spec version reserves: a spec version never changes, so it is read once
    private readonly ConcurrentDictionary<(Guid ServiceId, long SpecVersion), TaskDemand> _demands = new();

    /// <summary>Places the given tasks, and every pending task when <paramref name="allPending"/>.</summary>
    public async Task RunAsync(IReadOnlyCollection<Guid> taskIds, bool allPending, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var ids = new HashSet<Guid>(taskIds);
            if (allPending)
            {
                await using var query = store.QuerySession();
                var pending = await query.Query<SwarmTask>().Where(t => t.State == TaskState.Pending).Select(t => t.Id).ToListAsync(cancellationToken);
                ids.UnionWith(pending);
            }

            if (ids.Count == 0)
            {
                return;
            }

            foreach (var chunk in ids.Chunk(WriteBatch))
            {
                using var activity = Source.StartActivity("schedule tasks");
                activity?.SetTag("swarm.tasks", chunk.Length);
                await Conflicts.RetryAsync(_ => RoundAsync(chunk, cancellationToken), cancellationToken: cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RoundAsync(IReadOnlyList<Guid> taskIds, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        NodeSet nodeSet;
        await using (var query = store.QuerySession())
        {
            // a few fields of every task on a node, not whole documents: with ten thousand tasks running
            // this read is most of what a round costs
            // a removed node is never a candidate, whatever status it last had (a forced removal leaves it ready)
            var nodes = await query.Query<Node>().Where(n => !n.Removed).ToListAsync(cancellationToken);
            var (live, failed) = await store.PlacedTasksAsync(now - NodeSet.FailureWindow, cancellationToken);
            await LearnDemandsAsync(query, live, cancellationToken);
            nodeSet = NodeSet.Build(nodes, live.Concat(failed), (serviceId, version) => _demands.GetValueOrDefault((serviceId, version), TaskDemand.None), now);
        }

        // a round is written through several sessions in one transaction (see SessionGroup)
        await using var sessions = await SessionGroup.BeginAsync(store, cancellationToken);
        var fetches = await sessions.FetchForWritingAsync<SwarmTask>(taskIds, cancellationToken);

        var streams = new Dictionary<Guid, JasperFx.Events.IEventStream<SwarmTask>>();
        foreach (var stream in fetches)
        {
            if (stream.Aggregate is { State: TaskState.Pending } task && TaskStateMachine.IsRunnable(task.DesiredState))
            {
                streams[task.Id] = stream;
            }
        }

        if (streams.Count == 0)
        {
            return;
        }

        var boundAssigned = 0;
        var decided = new List<(SwarmTask Task, Guid? NodeId, string? Reason)>();

        // tasks bound to a node from the start (global services) only check that node
        foreach (var bound in streams.Values.Select(s => s.Aggregate!).Where(t => t.NodeId is not null).ToList())
        {
            var stream = streams[bound.Id];
            streams.Remove(bound.Id);
            var node = nodeSet.Find(bound.NodeId!.Value);
            var refusal = node is null ? "no suitable node (its node is gone)" : Pipeline.For(bound.ServiceId, bound.Spec).Refusal(node) is { } why ? $"no suitable node ({why})" : null;
            if (refusal is null && TaskDecisions.Assign(bound, node!.Id, now) is { } placed)
            {
                stream.AppendOne(placed);
                nodeSet.Place(node, bound.ServiceId, TaskDemand.Of(bound.Spec));
                boundAssigned++;
                decided.Add((bound, node.Id, null));
            }
            else if (refusal is not null && TaskDecisions.MarkUnschedulable(bound, refusal, now) is { } waiting)
            {
                stream.AppendOne(waiting);
                boundAssigned++;
                decided.Add((bound, null, refusal));
            }
        }

        var groups = streams.Values
            .Select(s => s.Aggregate!)
            .GroupBy(t => (t.ServiceId, t.SpecVersion))
            .OrderBy(g => g.Min(t => t.CreatedAt));
        var assigned = 0;
        var unschedulable = 0;
        foreach (var group in groups)
        {
            var tasks = group.OrderBy(t => t.CreatedAt).ThenBy(t => t.Slot).ToList();
            var result = TaskGroupScheduler.Schedule(nodeSet, group.Key.ServiceId, tasks[0].Spec, [.. tasks.Select(t => t.Id)], now);
            foreach (var (taskId, nodeId) in result.Assignments)
            {
                var stream = streams[taskId];
                if (TaskDecisions.Assign(stream.Aggregate!, nodeId, now) is { } e)
                {
                    stream.AppendOne(e);
                    assigned++;
                    decided.Add((stream.Aggregate!, nodeId, null));
                }
            }

            foreach (var taskId in result.Unplaced)
            {
                var stream = streams[taskId];
                if (TaskDecisions.MarkUnschedulable(stream.Aggregate!, result.Reason!, now) is { } e)
                {
                    stream.AppendOne(e);
                    unschedulable++;
                    decided.Add((stream.Aggregate!, null, result.Reason));
                }
            }

            if (result.Unplaced.Count > 0)
            {
                logger.LogInformation("{Count} tasks of {Service} stay pending: {Reason}", result.Unplaced.Count, tasks[0].ServiceName, result.Reason);
            }
        }

        if (assigned + unschedulable + boundAssigned > 0)
        {
            await sessions.CommitAsync(cancellationToken);
            TraceDecisions(decided, nodeSet.Nodes.Count, now, time.GetUtcNow());
            SchedulingMetrics.RecordAssigned(fetches);
        }

        if (assigned > 0)
        {
            logger.LogInformation("assigned {Count} tasks", assigned);
        }
    }

    /// <summary>Reads the spec of every service version among <paramref name="placed"/> not seen before.</summary>
    private async Task LearnDemandsAsync(IQuerySession query, IEnumerable<PlacedTask> placed, CancellationToken cancellationToken)
    {
        foreach (var (serviceId, version) in placed.Select(t => (t.ServiceId, t.SpecVersion)).Distinct().Where(k => !_demands.ContainsKey(k)).ToList())
        {
            var spec = await query.Query<SwarmTask>()
                .Where(t => t.ServiceId == serviceId && t.SpecVersion == version)
                .Select(t => t.Spec)
                .FirstOrDefaultAsync(cancellationToken);
            if (spec is not null)
            {
                _demands[(serviceId, version)] = TaskDemand.Of(spec);
            }
        }
    }

    /// <summary>One span per task decided in a round: <c>task scheduled</c> with the node, or <c>task unschedulable</c> with the reason.</summary>
    private static void TraceDecisions(List<(SwarmTask Task, Guid? NodeId, string? Reason)> decided, int nodesConsidered, DateTimeOffset start, DateTimeOffset committed)
    {
        foreach (var (task, nodeId, reason) in decided)
        {
            var tags = TaskTracing.Tags(task.Id, task.ServiceId, task.ServiceName, task.Slot, nodeId);
            tags.Add(new("swarm.scheduler.nodes_considered", nodesConsidered));
            tags.Add(new(TaskTracing.BatchSize, decided.Count));
            if (reason is not null)
            {
                tags.Add(new("swarm.pending.reason", reason));
            }

            TaskTracing.Record(Source, nodeId is null ? "task unschedulable" : "task scheduled", task.TraceParent, start, committed, tags);
        }
    }
}
