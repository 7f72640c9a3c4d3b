using JasperFx.Events;
using Marten.Events.Aggregation;
using Swarm.Contracts.Events;
using Swarm.Domain.Services;

namespace Swarm.EventStore.Projections;

/// <summary>
/// Folds service streams with the domain aggregate's own Create/Apply; kept inline as the read model.
/// A spec change also records the trace it was written under (<see cref="Service.SpecTraceParent"/>).
/// </summary>
public sealed class ServiceProjection : SingleStreamProjection<Service, Guid>
{
    public static Service Create(IEvent<ServiceCreated> e) => Service.Create(e.Data) with { SpecTraceParent = TraceContext.TraceParentOf(e) };

    public static Service Apply(IEvent<ServiceUpdated> e, Service current) => current.Apply(e.Data) with { SpecTraceParent = TraceContext.TraceParentOf(e) };

    public static Service Apply(ServiceRemoved e, Service current) => current.Apply(e);

    public static Service Apply(IEvent<ServiceRolledBack> e, Service current) => current.Apply(e.Data) with { SpecTraceParent = TraceContext.TraceParentOf(e) };

    public static Service Apply(ServiceUpdateStatusChanged e, Service current) => current.Apply(e);

    public static Service Apply(ServiceReconciliationFailed e, Service current) => current.Apply(e);

    public static Service Apply(ServiceReconciliationRecovered e, Service current) => current.Apply(e);

    public static Service Apply(ServiceEndpointAllocated e, Service current) => current.Apply(e);
}
