using Marten;
using Swarm.Domain.Tasks;

namespace Swarm.Dispatcher.Tasks;

/// <summary>What the log assigns to nodes: the full sets their sessions receive.</summary>
public static class NodeTasks
{
    /// <summary>The non-terminal tasks bound to any of <paramref name="nodeIds"/>, whatever their desired state.</summary>
    public static async Task<IReadOnlyList<SwarmTask>> ReadAsync(IQuerySession query, IReadOnlyCollection<Guid> nodeIds, CancellationToken cancellationToken)
    {
        if (nodeIds.Count == 0)
        {
            return [];
        }

        var ids = nodeIds.Select(id => (Guid?)id).Distinct().ToArray();
        IReadOnlyList<SwarmTask> tasks;
        if (ids.Length == 1)
        {
            // a session's first set: the plain equality the node id index serves
            var nodeId = ids[0];
            tasks = await query.Query<SwarmTask>()
                .Where(t => t.NodeId == nodeId && TaskStateMachine.NonTerminal.Contains(t.State))
                .ToListAsync(cancellationToken);
        }
        else
        {
            tasks = await query.Query<SwarmTask>()
                .Where(t => ids.Contains(t.NodeId) && TaskStateMachine.NonTerminal.Contains(t.State))
                .ToListAsync(cancellationToken);
        }

        return tasks.Where(t => !t.IsTerminal).ToList();
    }
}
