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
        var tasks = await query.Query<SwarmTask>()
            .Where(t => ids.Contains(t.NodeId) && TaskStateMachine.NonTerminal.Contains(t.State))
            .ToListAsync(cancellationToken);
        return tasks.Where(t => !t.IsTerminal).ToList();
    }
}
