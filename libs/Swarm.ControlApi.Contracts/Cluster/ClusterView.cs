namespace Swarm.ControlApi.Contracts;

/// <summary>
/// <c>GET /api/cluster</c>: the cluster-wide settings. <see cref="TaskHistoryLimit"/> is how many ended
/// tasks are kept per slot (per node for global services); <see cref="UpdatedAt"/> is null while the
/// settings were never changed (defaults apply).
/// </summary>
public sealed record ClusterView
{
    public Guid Id { get; init; }
    public int TaskHistoryLimit { get; init; }

    /// <summary>Lifetime of node certificates issued from now on, in seconds (default 90 days).</summary>
    public long NodeCertExpirySeconds { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
}
