using Marten;
using Swarm.Domain.Nodes;
using Swarm.EventStore.Queries;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// Finds a node the way the CLI names it: full id, hostname, or a unique id prefix (services:
/// <see cref="ServiceLookup"/>). Removed nodes are invisible: a command naming one is answered not-found.
/// </summary>
public static class Lookup
{
    public static async Task<LookupResult<Node>> FindNodeAsync(IQuerySession query, string reference, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            return LookupResult<Node>.FromMatches("node", reference, []);
        }

        if (Guid.TryParse(reference, out var id))
        {
            var byId = await query.LoadAsync<Node>(id, cancellationToken);
            return LookupResult<Node>.FromMatches("node", reference, byId is { Removed: false } ? [byId] : []);
        }

        var all = await query.Query<Node>().Where(n => !n.Removed).ToListAsync(cancellationToken);
        var byHost = all.Where(n => n.Hostname == reference).ToList();
        if (byHost.Count > 0)
        {
            // two nodes with one hostname: ambiguous, as an id prefix matching both would be
            return LookupResult<Node>.FromMatches("node", reference, byHost);
        }

        return IdPrefix.Normalize(reference) is { } prefix
            ? LookupResult<Node>.FromMatches("node", reference, all.Where(n => IdPrefix.Matches(n.Id, prefix)).ToList())
            : LookupResult<Node>.FromMatches("node", reference, []);
    }

}
