namespace Swarm.Contracts.Events;

/// <summary>A node was removed from the cluster: its certificate is revoked, its sessions are closed, its tasks move elsewhere.</summary>
public sealed record NodeRemoved
{
    public Guid NodeId { get; init; }
    public string Hostname { get; init; } = "";

    /// <summary>Removed while it was still ready (<c>--force</c>).</summary>
    public bool Forced { get; init; }
    public DateTimeOffset At { get; init; }
}
