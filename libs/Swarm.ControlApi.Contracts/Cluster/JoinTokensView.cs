namespace Swarm.ControlApi.Contracts;

/// <summary><c>GET /api/cluster/join-tokens</c>: the tokens that admit a new worker or manager (secrets: shown only here).</summary>
public sealed record JoinTokensView
{
    public string Worker { get; init; } = "";
    public string Manager { get; init; } = "";
}
