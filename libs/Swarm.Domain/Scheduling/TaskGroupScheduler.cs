using Swarm.Contracts.Model;

namespace Swarm.Domain.Scheduling;

/// <summary>A task bound to a node.</summary>
public readonly record struct Assignment(Guid TaskId, Guid NodeId);

/// <summary>
/// What happened to a group: the assignments, and — when some tasks fit nowhere — those tasks and the
/// explanation that counts why each node refused.
/// </summary>
public sealed record GroupResult(IReadOnlyList<Assignment> Assignments, IReadOnlyList<Guid> Unplaced, string? Reason);

/// <summary>
/// Places a group of tasks that share a service and spec version with one pipeline and one decision
/// tree. Nodes that pass the filters are grouped by the spread preferences (outermost first; nodes
/// without the label form their own group); each task goes down the branch holding the fewest tasks of
/// the service and, at the bottom, to the best node: not among those that failed this service's tasks
/// recently, then fewest tasks of the service, then fewest tasks overall, then hostname. A node that
/// can take no more (resources, ports, max replicas) leaves the tree.
/// </summary>
public static class TaskGroupScheduler
{
    public static GroupResult Schedule(NodeSet nodes, Guid serviceId, ServiceSpec spec, IReadOnlyList<Guid> taskIds, DateTimeOffset now)
    {
        var pipeline = Pipeline.For(serviceId, spec);
        return Schedule(nodes, pipeline, taskIds, now);
    }

    public static GroupResult Schedule(NodeSet nodes, Pipeline pipeline, IReadOnlyList<Guid> taskIds, DateTimeOffset now)
    {
        if (taskIds.Count == 0)
        {
            return new([], [], null);
        }

        var since = now - NodeSet.FailureWindow;
        var ranking = new Ranking(pipeline.ServiceId, since, nodes.Nodes.Count);
        var eligible = new List<NodeInfo>();
        foreach (var node in nodes.Nodes)
        {
            if (pipeline.Passes(node))
            {
                eligible.Add(node);
                ranking.Remember(node);
            }
        }

        var root = Branch.Build(eligible, pipeline, ranking, 0);
        var assignments = new List<Assignment>(Math.Min(taskIds.Count, 1 << 20));
        var placed = 0;
        while (placed < taskIds.Count && root.Take(pipeline) is { } taken)
        {
            var (node, leaf) = taken;
            nodes.Place(node, pipeline.ServiceId, pipeline.Demand);
            leaf.Return(node, ranking);
            assignments.Add(new Assignment(taskIds[placed], node.Id));
            placed++;
        }

        if (placed == taskIds.Count)
        {
            return new(assignments, [], null);
        }

        var unplaced = new Guid[taskIds.Count - placed];
        for (var i = placed; i < taskIds.Count; i++)
        {
            unplaced[i - placed] = taskIds[i];
        }

        return new(assignments, unplaced, pipeline.Explain(nodes.Nodes));
    }

    /// <summary>Orders nodes for one service: recent failures last, then fewest service tasks, fewest tasks, order.</summary>
    private sealed class Ranking(Guid serviceId, DateTimeOffset since, int nodeCount)
    {
        private readonly bool[] _failedRecently = new bool[nodeCount];

        public Guid ServiceId => serviceId;

        public void Remember(NodeInfo node) =>
            _failedRecently[node.Order] = node.FailuresSince(serviceId, since) >= NodeSet.FailureThreshold;

        public long Key(NodeInfo node)
        {
            const long max21 = (1L << 21) - 1;
            const long max20 = (1L << 20) - 1;
            var failed = _failedRecently[node.Order] ? 1L : 0L;
            var service = Math.Min(node.ServiceTasks(serviceId), max21);
            var total = Math.Min(node.TotalTasks, max21);
            return (failed << 62) | (service << 41) | (total << 20) | Math.Min(node.Order, max20);
        }
    }

    /// <summary>A level of the decision tree: either branches (one per label value) or a leaf of nodes.</summary>
    private sealed class Branch
    {
        private readonly List<Branch>? _children;
        private readonly PriorityQueue<NodeInfo, long>? _nodes;
        private int _serviceTasks;
        private bool _exhausted;

        private Branch(List<Branch> children, int serviceTasks)
        {
            _children = children;
            _serviceTasks = serviceTasks;
        }

        private Branch(PriorityQueue<NodeInfo, long> nodes, int serviceTasks)
        {
            _nodes = nodes;
            _serviceTasks = serviceTasks;
        }

        public static Branch Build(List<NodeInfo> nodes, Pipeline pipeline, Ranking ranking, int level)
        {
            var serviceTasks = 0;
            foreach (var node in nodes)
            {
                serviceTasks += node.ServiceTasks(ranking.ServiceId);
            }

            if (level >= pipeline.Preferences.Count)
            {
                var queue = new PriorityQueue<NodeInfo, long>(nodes.Count);
                foreach (var node in nodes)
                {
                    queue.Enqueue(node, ranking.Key(node));
                }

                return new Branch(queue, serviceTasks);
            }

            var preference = pipeline.Preferences[level];
            var children = nodes
                .GroupBy(n => preference.ValueOf(n.Node) ?? "")
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Build([.. g], pipeline, ranking, level + 1))
                .ToList();
            return new Branch(children, serviceTasks);
        }

        /// <summary>The best node under this branch that can still take a task, and its leaf.</summary>
        public (NodeInfo Node, Branch Leaf)? Take(Pipeline pipeline)
        {
            while (!_exhausted)
            {
                (NodeInfo, Branch)? taken;
                if (_nodes is not null)
                {
                    taken = null;
                    while (_nodes.TryDequeue(out var node, out _))
                    {
                        if (pipeline.StillPasses(node))
                        {
                            taken = (node, this);
                            break;
                        }
                    }

                    if (taken is null)
                    {
                        _exhausted = true;
                        return null;
                    }
                }
                else
                {
                    Branch? fewest = null;
                    foreach (var child in _children!)
                    {
                        if (!child._exhausted && (fewest is null || child._serviceTasks < fewest._serviceTasks))
                        {
                            fewest = child;
                        }
                    }

                    if (fewest is null)
                    {
                        _exhausted = true;
                        return null;
                    }

                    taken = fewest.Take(pipeline);
                    if (taken is null)
                    {
                        continue;
                    }
                }

                _serviceTasks++;
                return taken;
            }

            return null;
        }

        /// <summary>Puts a node back in its leaf after a placement changed its rank.</summary>
        public void Return(NodeInfo node, Ranking ranking) => _nodes!.Enqueue(node, ranking.Key(node));
    }
}
