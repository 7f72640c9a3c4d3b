using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Scheduling;

/// <summary>
/// Every node with what it has reserved, rebuilt from the nodes and the tasks bound to them, so what a
/// node holds survives a scheduler restart. Placements made by <see cref="TaskGroupScheduler"/> are
/// added as they are decided.
/// </summary>
public sealed class NodeSet
{
    /// <summary>A node with this many failures of a service's tasks in <see cref="FailureWindow"/> goes last for it.</summary>
    public const int FailureThreshold = 5;
    public static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(5);

    private readonly Dictionary<Guid, NodeInfo> _byId;

    private NodeSet(List<NodeInfo> nodes)
    {
        Nodes = nodes;
        _byId = new Dictionary<Guid, NodeInfo>(nodes.Count);
        foreach (var node in nodes)
        {
            _byId[node.Id] = node;
        }
    }

    /// <summary>Nodes in a stable order: hostname, then id.</summary>
    public IReadOnlyList<NodeInfo> Nodes { get; }

    public NodeInfo? Find(Guid id) => _byId.GetValueOrDefault(id);

    /// <summary>
    /// Builds the set. Non-terminal tasks bound to a node hold their reservations and host ports there
    /// (even while shutting down); those also meant to run count as the node's tasks. Failed or rejected
    /// tasks updated within <see cref="FailureWindow"/> before <paramref name="now"/> are remembered.
    /// </summary>
    public static NodeSet Build(IEnumerable<Node> nodes, IEnumerable<SwarmTask> tasks, DateTimeOffset now)
    {
        var specs = new Dictionary<(Guid, long), ServiceSpec>();
        var placed = new List<PlacedTask>();
        foreach (var task in tasks)
        {
            specs.TryAdd((task.ServiceId, task.SpecVersion), task.Spec);
            placed.Add(PlacedTask.Of(task));
        }

        return Build(nodes, placed, (serviceId, version) => TaskDemand.Of(specs[(serviceId, version)]), now);
    }

    /// <summary>
    /// Builds the set from what a node holds of each task (<see cref="PlacedTask"/>), asking
    /// <paramref name="demandOf"/> once per service and spec version for what its tasks reserve: a round
    /// reads a few fields of every live task instead of whole documents.
    /// </summary>
    public static NodeSet Build(IEnumerable<Node> nodes, IEnumerable<PlacedTask> tasks, Func<Guid, long, TaskDemand> demandOf, DateTimeOffset now)
    {
        var ordered = nodes.OrderBy(n => n.Hostname, StringComparer.Ordinal).ThenBy(n => n.Id).ToList();
        var infos = new List<NodeInfo>(ordered.Count);
        for (var i = 0; i < ordered.Count; i++)
        {
            infos.Add(new NodeInfo(ordered[i], i));
        }

        var set = new NodeSet(infos);
        var demands = new Dictionary<(Guid, long), TaskDemand>();
        var since = now - FailureWindow;
        foreach (var task in tasks)
        {
            if (task.NodeId is not { } nodeId || set.Find(nodeId) is not { } info)
            {
                continue;
            }

            if (!TaskStateMachine.IsTerminal(task.State))
            {
                if (!demands.TryGetValue((task.ServiceId, task.SpecVersion), out var demand))
                {
                    demands[(task.ServiceId, task.SpecVersion)] = demand = demandOf(task.ServiceId, task.SpecVersion);
                }

                info.Add(task.ServiceId, demand, counted: TaskStateMachine.IsRunnable(task.DesiredState));
            }
            else if (task.State is TaskState.Failed or TaskState.Rejected && task.UpdatedAt >= since)
            {
                info.AddFailure(task.ServiceId, task.UpdatedAt);
            }
        }

        return set;
    }

    /// <summary>Records a placement decided in this round.</summary>
    public void Place(NodeInfo node, Guid serviceId, TaskDemand demand) => node.Add(serviceId, demand, counted: true);
}

/// <summary>What the scheduler needs to know of a task already on a node (or that failed there).</summary>
public sealed record PlacedTask(Guid? NodeId, Guid ServiceId, long SpecVersion, TaskState State, DesiredState DesiredState, DateTimeOffset UpdatedAt)
{
    public static PlacedTask Of(SwarmTask task) => new(task.NodeId, task.ServiceId, task.SpecVersion, task.State, task.DesiredState, task.UpdatedAt);
}
