namespace Swarm.Contracts.Commands;

/// <summary>Change cluster-wide settings; members left null keep their value.</summary>
public sealed record UpdateCluster
{
    public Guid CommandId { get; init; }

    /// <summary>Ended tasks kept per slot (per node for global services), 0 or more; default 5.</summary>
    public int? TaskHistoryLimit { get; init; }

    /// <summary>Lifetime of node certificates issued from now on, in seconds (at least 1 hour); default 90 days.</summary>
    public long? NodeCertExpirySeconds { get; init; }
}
