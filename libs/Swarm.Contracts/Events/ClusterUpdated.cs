namespace Swarm.Contracts.Events;

/// <summary>Cluster-wide settings changed.</summary>
public sealed record ClusterUpdated
{
    public Guid ClusterId { get; init; }

    /// <summary>Ended tasks kept per slot (per node for global services).</summary>
    public int TaskHistoryLimit { get; init; }

    /// <summary>Lifetime of node certificates issued from now on, in seconds; 0 in events written before it existed (the default, 90 days).</summary>
    public long NodeCertExpirySeconds { get; init; }
    public DateTimeOffset At { get; init; }
}
