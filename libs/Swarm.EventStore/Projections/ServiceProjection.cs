using Marten.Events.Aggregation;
using Swarm.Contracts.Events;
using Swarm.Domain.Services;

namespace Swarm.EventStore.Projections;

/// <summary>Folds service streams with the domain aggregate's own Create/Apply; kept inline as the read model.</summary>
public sealed class ServiceProjection : SingleStreamProjection<Service, Guid>
{
    public static Service Create(ServiceCreated e) => Service.Create(e);

    public static Service Apply(ServiceUpdated e, Service current) => current.Apply(e);

    public static Service Apply(ServiceRemoved e, Service current) => current.Apply(e);

    public static Service Apply(ServiceRolledBack e, Service current) => current.Apply(e);

    public static Service Apply(ServiceUpdateStatusChanged e, Service current) => current.Apply(e);
}
