using Marten;
using Swarm.Contracts.Model;
using Swarm.Domain.Networks;
using Swarm.Domain.Services;
using Swarm.EventStore.Queries;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// What <see cref="ServiceClusterChecks"/> needs of the cluster for one spec: the live networks when it
/// attaches any, the live services when it publishes any port (neither is read otherwise).
/// </summary>
public sealed record ServiceClusterView(IReadOnlyCollection<Network> Networks, IReadOnlyCollection<Service> Services)
{
    public static async Task<ServiceClusterView> ReadAsync(IQuerySession session, ServiceSpec spec, CancellationToken cancellationToken) => new(
        spec.Networks is { Count: > 0 } ? await session.LiveNetworksAsync(cancellationToken) : [],
        spec.Ports?.Any(p => p.PublishedPort is not null) == true ? await session.LiveServicesAsync(cancellationToken) : []);

    public Func<ServiceSpec, Rejection?> CheckFor(Guid? self) => spec => ServiceClusterChecks.Check(spec, self, Networks, Services);
}
