namespace Swarm.Contracts.Commands;

/// <summary>
/// Remove a node from the cluster and revoke its certificate. <see cref="Node"/> is its id or hostname. A node
/// that is ready is refused unless <see cref="Force"/> (as <c>docker node rm</c>).
/// </summary>
public sealed record RemoveNode
{
    public Guid CommandId { get; init; }
    public string Node { get; init; } = "";
    public bool Force { get; init; }
}
