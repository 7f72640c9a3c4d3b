using Marten;
using Swarm.ControlApi.Common;
using Swarm.Domain.Networks;
using Swarm.Domain.Services;
using Swarm.EventStore.Queries;

namespace Swarm.ControlApi.Networks;

/// <summary>Reads of the network read model. Removed networks are invisible.</summary>
public static class NetworkQueries
{
    /// <summary>The live networks, by name.</summary>
    public static async Task<IReadOnlyList<Network>> ListAsync(IQuerySession session, CancellationToken ct) =>
        (await session.Query<Network>().Where(n => !n.Removed).ToListAsync(ct)).OrderBy(n => n.Name, StringComparer.Ordinal).ThenBy(n => n.Id).ToList();

    /// <summary>Finds a live network by full id, exact name, or unique id prefix (in that order).</summary>
    public static async Task<Lookup<Network>> FindAsync(IQuerySession session, string reference, CancellationToken ct) =>
        Find(await ListAsync(session, ct), reference);

    public static Lookup<Network> Find(IReadOnlyList<Network> networks, string reference)
    {
        if (Guid.TryParse(reference, out var id))
        {
            return Lookup<Network>.FromMatches("network", reference, networks.Where(n => n.Id == id).ToList());
        }

        var byName = networks.Where(n => n.Name == reference).ToList();
        if (byName.Count > 0)
        {
            return Lookup<Network>.Found(byName[0]);
        }

        return IdPrefix.Normalize(reference) is { } prefix
            ? Lookup<Network>.FromMatches("network", reference, networks.Where(n => IdPrefix.Matches(n.Id, prefix)).ToList())
            : Lookup<Network>.Missing("network", reference);
    }

    /// <summary>The live network a service's attachment target names: its full id or its name (null when none).</summary>
    public static Network? Named(IReadOnlyList<Network> networks, string target) =>
        Guid.TryParse(target, out var id)
            ? networks.FirstOrDefault(n => n.Id == id)
            : networks.FirstOrDefault(n => n.Name == target);

    /// <summary>
    /// Whether <paramref name="service"/> uses <paramref name="network"/>: its spec names it, the allocator gave it a
    /// virtual IP there, or, for the ingress network, it publishes an ingress-mode port.
    /// </summary>
    public static bool Uses(Service service, Network network) =>
        (service.Spec.Networks ?? []).Any(a => a.Target == network.Name || (Guid.TryParse(a.Target, out var id) && id == network.Id))
        || (service.Endpoint?.VirtualIps ?? []).Any(v => v.NetworkId == network.Id)
        || (network.Ingress && (service.Spec.Ports ?? []).Any(p => string.IsNullOrEmpty(p.Mode) || p.Mode.Equals("ingress", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The names of the live services using each network.</summary>
    public static async Task<IReadOnlyDictionary<Guid, IReadOnlyList<string>>> ServicesAsync(IQuerySession session, IReadOnlyList<Network> networks, CancellationToken ct)
    {
        var services = await session.Query<Service>().Where(s => !s.Removed).ToListAsync(ct);
        return networks.ToDictionary(
            n => n.Id,
            n => (IReadOnlyList<string>)services.Where(s => Uses(s, n)).Select(s => s.Name).Order(StringComparer.Ordinal).ToList());
    }
}
