using Marten.Events.Aggregation;
using Swarm.Contracts.Events;
using Swarm.Domain.Networks;

namespace Swarm.EventStore.Projections;

/// <summary>Folds network streams with the domain aggregate's own Create/Apply; kept inline as the read model.</summary>
public sealed class NetworkProjection : SingleStreamProjection<Network, Guid>
{
    public static Network Create(NetworkCreated e) => Network.Create(e);

    public static Network Apply(AddressAllocated e, Network current) => current.Apply(e);

    public static Network Apply(AddressReleased e, Network current) => current.Apply(e);

    public static Network Apply(AddressesAllocated e, Network current) => current.Apply(e);

    public static Network Apply(AddressesReleased e, Network current) => current.Apply(e);
}
