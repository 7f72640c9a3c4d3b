using Swarm.Domain.Cluster;

namespace Swarm.ControlApi.Cluster;

/// <summary>
/// <c>GET /api/cluster</c>: the cluster-wide settings. <see cref="TaskHistoryLimit"/> is how many ended
/// tasks are kept per slot (per node for global services); <see cref="UpdatedAt"/> is null while the
/// settings were never changed (defaults apply).
/// </summary>
public sealed record ClusterView(Guid Id, int TaskHistoryLimit, DateTimeOffset? UpdatedAt)
{
    public static ClusterView From(ClusterSettings? settings) => settings is null
        ? new(ClusterSettings.DefaultId, ClusterSettings.DefaultTaskHistoryLimit, null)
        : new(settings.Id, settings.TaskHistoryLimit, settings.UpdatedAt);
}

/// <summary>Body of <c>POST /api/cluster/update</c>; members left out keep their value.</summary>
public sealed record UpdateClusterRequest
{
    public int? TaskHistoryLimit { get; init; }
}
