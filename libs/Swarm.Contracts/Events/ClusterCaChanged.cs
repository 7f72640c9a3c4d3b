namespace Swarm.Contracts.Events;

/// <summary>
/// The cluster CA changed: a root rotation began or ended, a join token was rotated, autolock was turned on or off,
/// the unlock key was rotated, or the locked identity was issued. Carries fingerprints only — never a key, an unlock
/// key or a token's secret.
/// </summary>
public sealed record ClusterCaChanged
{
    public Guid ClusterId { get; init; }

    /// <summary>
    /// root-rotation-started, root-rotation-completed, join-token-rotated, autolock-enabled, autolock-disabled,
    /// unlock-key-rotated, locked-identity-issued.
    /// </summary>
    public string Change { get; init; } = "";

    /// <summary>SHA-256 fingerprints of the roots trusted after the change, the signing root first.</summary>
    public IReadOnlyList<string> RootFingerprints { get; init; } = [];

    /// <summary>For join-token-rotated: worker or manager.</summary>
    public string? TokenKind { get; init; }
    public DateTimeOffset At { get; init; }
}
