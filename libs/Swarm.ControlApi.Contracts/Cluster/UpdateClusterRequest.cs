namespace Swarm.ControlApi.Contracts;

/// <summary>Body of <c>POST /api/cluster/update</c>; members left out keep their value.</summary>
public sealed record UpdateClusterRequest
{
    public int? TaskHistoryLimit { get; init; }
}
