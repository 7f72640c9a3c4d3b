namespace Swarm.ControlApi.Contracts;

/// <summary>Answer of <c>GET /api/cluster/unlock-key</c> and <c>POST /api/cluster/unlock-key/rotate</c>.</summary>
public sealed record UnlockKeyView
{
    public string UnlockKey { get; init; } = "";
}
