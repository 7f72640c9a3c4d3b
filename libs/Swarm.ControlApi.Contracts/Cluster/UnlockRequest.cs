namespace Swarm.ControlApi.Contracts;

/// <summary>Body of <c>POST /api/cluster/unlock</c>.</summary>
public sealed record UnlockRequest
{
    /// <summary>The unlock key, <c>SWMKEY-1-…</c>.</summary>
    public string Key { get; init; } = "";
}
