using Marten;
using Swarm.Domain.Networks;
using Swarm.Domain.Services;

namespace Swarm.EventStore.Queries;

/// <summary>Networks as the CLI, the control API and commands name them, and the services that use them.</summary>
public static class NetworkLookup
{
    /// <summary>The networks not removed.</summary>
    public static async Task<IReadOnlyList<Network>> LiveNetworksAsync(this IQuerySession session, CancellationToken cancellationToken) =>
        await session.Query<Network>().Where(n => !n.Removed).ToListAsync(cancellationToken);

    /// <summary>The services not removed.</summary>
    public static async Task<IReadOnlyList<Service>> LiveServicesAsync(this IQuerySession session, CancellationToken cancellationToken) =>
        await session.Query<Service>().Where(s => !s.Removed).ToListAsync(cancellationToken);

    /// <summary>Finds a live network by full id, exact name, or unique id prefix (in that order).</summary>
    public static async Task<LookupResult<Network>> FindNetworkAsync(this IQuerySession session, string reference, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            return LookupResult<Network>.FromMatches("network", reference, []);
        }

        var live = await session.LiveNetworksAsync(cancellationToken);
        if (Guid.TryParse(reference, out var id))
        {
            return LookupResult<Network>.FromMatches("network", reference, live.Where(n => n.Id == id).ToList());
        }

        if (live.FirstOrDefault(n => n.Name == reference) is { } byName)
        {
            return LookupResult<Network>.FromMatches("network", reference, [byName]);
        }

        return IdPrefix.Normalize(reference) is { } prefix
            ? LookupResult<Network>.FromMatches("network", reference, live.Where(n => IdPrefix.Matches(n.Id, prefix)).ToList())
            : LookupResult<Network>.FromMatches("network", reference, []);
    }

    /// <summary>The names of the live services whose spec attaches <paramref name="network"/> (by name or id).</summary>
    public static async Task<IReadOnlyList<string>> ServicesUsingAsync(this IQuerySession session, Network network, CancellationToken cancellationToken)
    {
        var services = await session.LiveServicesAsync(cancellationToken);
        return services
            .Where(s => (s.Spec.Networks ?? []).Any(a => NetworkDecisions.Names(a.Target, network))
                || (network.Ingress && Swarm.Domain.Networks.ServiceEndpointPlan.PublishesIngress(s.Spec)))
            .Select(s => s.Name)
            .ToList();
    }
}
