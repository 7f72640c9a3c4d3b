namespace Swarm.ControlApi.Contracts;

/// <summary>One dispatcher replica's lock state, as it answered the control API (over mutual TLS).</summary>
public sealed record DispatcherLockView
{
    public string Address { get; init; } = "";

    public bool Reachable { get; init; }

    public bool? Locked { get; init; }

    /// <summary>Why it could not be asked or unlocked, when so.</summary>
    public string? Error { get; init; }
}
