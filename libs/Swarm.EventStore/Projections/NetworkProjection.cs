using Marten.Events.Aggregation;
using Swarm.Contracts.Events;
using Swarm.Domain.Networks;

namespace Swarm.EventStore.Projections;

/// <summary>
/// Folds network streams with the domain aggregate's own Create/Apply; kept inline as the read model. The
/// address events older logs hold on network streams are passed over: addresses are leases now
/// (<see cref="Allocation.AddressLease"/>).
/// </summary>
public sealed class NetworkProjection : SingleStreamProjection<Network, Guid>
{
    public static Network Create(NetworkCreated e) => Network.Create(e);

    public static Network Apply(NetworkRemoved e, Network current) => current.Apply(e);
}
