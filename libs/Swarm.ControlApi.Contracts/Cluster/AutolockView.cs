namespace Swarm.ControlApi.Contracts;

/// <summary>
/// Answer of <c>GET /api/cluster/autolock</c> and of the routes that change autolock: whether it is on, whether this
/// control API is locked, and each dispatcher replica as it answered (null <see cref="Dispatchers"/>: not asked).
/// </summary>
public sealed record AutolockView
{
    public bool Enabled { get; init; }

    /// <summary>This control API cannot use the cluster's keys until unlocked (<c>swarmctl cluster unlock</c>).</summary>
    public bool Locked { get; init; }

    /// <summary>This control API holds the current unlock key (it can show it, rotate it and unlock dispatchers).</summary>
    public bool KeyKnown { get; init; }

    /// <summary>
    /// Only in the answer that turns autolock on or rotates the key: the unlock key, shown this once. Store it safely:
    /// a manager that restarts serves nothing until it is given the key.
    /// </summary>
    public string? UnlockKey { get; init; }

    public IReadOnlyList<DispatcherLockView>? Dispatchers { get; init; }
}
