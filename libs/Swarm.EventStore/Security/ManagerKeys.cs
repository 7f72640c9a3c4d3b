using Swarm.Security;

namespace Swarm.EventStore.Security;

/// <summary>
/// The keys a manager process holds in memory and shares between its <see cref="ClusterCa"/> and its
/// <c>SecretStore</c>: the key-encryption key from configuration, and — when the cluster is autolocked — the unlock
/// key the process was given (<c>swarmctl cluster unlock</c>) or made (enabling autolock, rotating the key). The
/// unlock key lives here only: never in the database, a file, a log line or a message.
/// </summary>
public sealed class ManagerKeys(KeyEncryptionKey keyEncryptionKey)
{
    private volatile Held? _held;

    public KeyEncryptionKey KeyEncryptionKey { get; } = keyEncryptionKey;

    /// <summary>The unlock key this process knows, or null.</summary>
    public UnlockKey? UnlockKey => _held?.Key;

    /// <summary>
    /// The key that seals state stored with autolock <paramref name="autolocked"/>: the key-encryption key alone, or
    /// the key derived from it and the unlock key (null when this process does not know the unlock key).
    /// </summary>
    public KeyEncryptionKey? Sealing(bool autolocked) => !autolocked ? KeyEncryptionKey : _held?.Combined;

    /// <summary>Keeps <paramref name="key"/> (null forgets it, as when autolock is turned off).</summary>
    public void Remember(UnlockKey? key) => _held = key is null ? null : new Held(key, KeyEncryptionKey.WithUnlockKey(key));

    private sealed record Held(UnlockKey Key, KeyEncryptionKey Combined);
}

/// <summary>Autolock as one manager process sees it.</summary>
/// <param name="Enabled">the cluster's keys are sealed with the unlock key</param>
/// <param name="Locked">this process cannot use the root key, the join tokens or the secrets' data key until unlocked</param>
/// <param name="KeyKnown">this process holds the current unlock key (it can show it and re-unlock other managers)</param>
public sealed record AutolockStatus(bool Enabled, bool Locked, bool KeyKnown);

/// <summary>The cluster is autolocked and this process was not given the unlock key.</summary>
public sealed class ClusterLockedException(string? message = null) : InvalidOperationException(message ?? Reason)
{
    /// <summary>The refusal an operator reads: what to do about it.</summary>
    public const string Reason = "the cluster is locked: run 'swarmctl cluster unlock' with the unlock key";
}

/// <summary>A presented unlock key is not the cluster's: nothing changed.</summary>
public sealed class WrongUnlockKeyException() : InvalidOperationException(
    "the unlock key is not this cluster's current unlock key (a key from before a rotation, or of another cluster?)");
