namespace Swarm.ControlApi.Contracts;

/// <summary>Body of <c>POST /api/cluster/update</c>; members left out keep their value.</summary>
public sealed record UpdateClusterRequest
{
    public int? TaskHistoryLimit { get; init; }

    /// <summary>Lifetime of node certificates issued from now on, in seconds: from 3600 (1 hour) to 10 years.</summary>
    public long? NodeCertExpirySeconds { get; init; }
}
