namespace Swarm.ControlApi.Contracts;

/// <summary>Body of <c>POST /api/cluster/autolock</c>.</summary>
public sealed record UpdateAutolockRequest
{
    /// <summary>true turns autolock on (the answer carries the unlock key), false turns it off.</summary>
    public bool? Autolock { get; init; }
}
