using Marten;
using Swarm.ControlApi.Common;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Tasks;
using Swarm.EventStore.Queries;

namespace Swarm.ControlApi.Nodes;

/// <summary>Reads of the node read model. Removed nodes are no longer nodes of the cluster: no list or lookup shows them.</summary>
public static class NodeQueries
{
    /// <summary>The cluster's nodes (removed ones left out), by hostname.</summary>
    public static async Task<IReadOnlyList<Node>> ListAsync(IQuerySession session, CancellationToken ct) =>
        (await session.Query<Node>().Where(n => !n.Removed).ToListAsync(ct)).OrderBy(n => n.Hostname, StringComparer.Ordinal).ThenBy(n => n.Id).ToList();

    /// <summary>
    /// Every node's hostname, removed nodes included: a task that ran on a node removed since still names
    /// the host it ran on in task lists and traces.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, string>> HostnamesAsync(IQuerySession session, CancellationToken ct) =>
        (await session.Query<Node>().ToListAsync(ct)).ToDictionary(n => n.Id, n => n.Hostname);

    /// <summary>Finds a node by full id, exact hostname, or unique id prefix (in that order); a removed node is not found.</summary>
    public static async Task<Lookup<Node>> FindAsync(IQuerySession session, string reference, CancellationToken ct)
    {
        if (Guid.TryParse(reference, out var id))
        {
            var node = await session.LoadAsync<Node>(id, ct);
            return node is null or { Removed: true } ? Lookup<Node>.Missing("node", reference) : Lookup<Node>.Found(node);
        }

        var nodes = await ListAsync(session, ct);
        var byHostname = nodes.Where(n => n.Hostname == reference).ToList();
        if (byHostname.Count > 0)
        {
            return byHostname.Count == 1
                ? Lookup<Node>.Found(byHostname[0])
                : new Lookup<Node>(null, new ApiError(ApiError.Invalid, "", $"{byHostname.Count} nodes have hostname '{reference}'; use the node id"));
        }

        return IdPrefix.Normalize(reference) is { } prefix
            ? Lookup<Node>.FromMatches("node", reference, nodes.Where(n => IdPrefix.Matches(n.Id, prefix)).ToList())
            : Lookup<Node>.Missing("node", reference);
    }

    /// <summary>Tasks that have not ended, per node.</summary>
    public static async Task<Dictionary<Guid, int>> ActiveTaskCountsAsync(IQuerySession session, CancellationToken ct)
    {
        var nodeIds = await session.Query<SwarmTask>()
            .Where(t => t.NodeId != null && t.State.IsOneOf(TaskStateMachine.NonTerminal))
            .Select(t => t.NodeId!.Value)
            .ToListAsync(ct);
        return nodeIds.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
    }
}
