using Swarm.ControlApi.Contracts;
using Swarm.Domain.Cluster;

namespace Swarm.ControlApi.Cluster;

/// <summary>The answer of <c>GET /api/cluster</c>.</summary>
public static class ClusterViews
{
    /// <summary>The cluster-wide settings; the defaults (and no update time) while they were never changed.</summary>
    public static ClusterView From(ClusterSettings? settings) => settings is null
        ? new()
        {
            Id = ClusterSettings.DefaultId,
            TaskHistoryLimit = ClusterSettings.DefaultTaskHistoryLimit,
            NodeCertExpirySeconds = (long)ClusterSettings.DefaultNodeCertExpiry.TotalSeconds,
            UpdatedAt = null,
        }
        : new()
        {
            Id = settings.Id,
            TaskHistoryLimit = settings.TaskHistoryLimit,
            NodeCertExpirySeconds = (long)settings.NodeCertExpiry().TotalSeconds,
            UpdatedAt = settings.UpdatedAt,
        };
}
