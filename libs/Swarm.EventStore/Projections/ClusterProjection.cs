using Marten.Events.Aggregation;
using Swarm.Contracts.Events;
using Swarm.Domain.Cluster;

namespace Swarm.EventStore.Projections;

/// <summary>Folds the cluster stream into the settings document.</summary>
public sealed class ClusterProjection : SingleStreamProjection<ClusterSettings, Guid>
{
    public static ClusterSettings Create(ClusterUpdated e) => ClusterSettings.Create(e);

    public static ClusterSettings Apply(ClusterUpdated e, ClusterSettings current) => current.Apply(e);
}
