using Marten;
using Swarm.Domain.Nodes;

namespace Swarm.Orchestrator.Commands;

/// <summary>Finds a node the way the CLI names it: full id, hostname, or a unique id prefix (services: <see cref="Swarm.EventStore.Queries.ServiceLookup"/>).</summary>
public static class Lookup
{
    public static async Task<Node?> NodeAsync(IQuerySession query, string reference, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            return null;
        }

        if (Guid.TryParse(reference, out var id))
        {
            return await query.LoadAsync<Node>(id, cancellationToken);
        }

        var all = await query.Query<Node>().ToListAsync(cancellationToken);
        var byHost = all.Where(n => n.Hostname == reference).ToList();
        if (byHost.Count == 1)
        {
            return byHost[0];
        }

        var matches = all.Where(n => n.Id.ToString("N").StartsWith(reference.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }
}
