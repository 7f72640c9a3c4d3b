using Marten;
using Swarm.Domain.Nodes;
using Swarm.Domain.Services;

namespace Swarm.Orchestrator.Commands;

/// <summary>Finds a service or node the way the CLI names it: full id, name/hostname, or a unique id prefix.</summary>
public static class Lookup
{
    public static async Task<Service?> ServiceAsync(IQuerySession query, string reference, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            return null;
        }

        if (Guid.TryParse(reference, out var id))
        {
            var byId = await query.LoadAsync<Service>(id, cancellationToken);
            return byId is { Removed: false } ? byId : null;
        }

        var byName = await query.Query<Service>().Where(s => s.Name == reference && !s.Removed).FirstOrDefaultAsync(cancellationToken);
        if (byName is not null)
        {
            return byName;
        }

        var all = await query.Query<Service>().Where(s => !s.Removed).ToListAsync(cancellationToken);
        var matches = all.Where(s => s.Id.ToString("N").StartsWith(reference.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

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
