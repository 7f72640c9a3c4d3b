namespace Swarm.EventStore.Security;

/// <summary>
/// The cluster CA's state as stored: one document (fixed id) in the log's database. Certificates are public;
/// the root keys and the join-token secrets are sealed with the key-encryption key, each under a purpose
/// that names its field (and, for a key, its certificate), so that no sealed value opens in another place. With
/// autolock (<see cref="Autolock"/>) those are sealed with the key derived from the key-encryption key and the unlock
/// key instead; the locked identity's key stays sealed with the key-encryption key alone.
/// </summary>
public sealed record ClusterCaDocument
{
    /// <summary>The one document's id; also the id of the stream the CA's <c>ClusterCaChanged</c> events go to.</summary>
    public static readonly Guid FixedId = Guid.Parse("00000000-0000-5000-8000-0000000000ca");

    public Guid Id { get; init; } = FixedId;

    /// <summary>The cluster's id: the O of every certificate the CA issues.</summary>
    public Guid ClusterId { get; init; }

    /// <summary>The trusted roots' certificates (DER), the signing root first; two during a root rotation.</summary>
    public IReadOnlyList<byte[]> RootCertificates { get; init; } = [];

    /// <summary>The roots' keys (PKCS#8), sealed, in the order of <see cref="RootCertificates"/>.</summary>
    public IReadOnlyList<byte[]> SealedRootKeys { get; init; } = [];

    /// <summary>During a rotation: the new root's certificate signed by the old root (DER).</summary>
    public byte[]? CrossSignedRoot { get; init; }

    public byte[] SealedWorkerSecret { get; init; } = [];

    public byte[] SealedManagerSecret { get; init; } = [];

    /// <summary>
    /// Autolock: the root keys and join-token secrets (and the secrets' data key) are sealed with the key-encryption key
    /// combined with the unlock key, which no manager stores.
    /// </summary>
    public bool Autolock { get; init; }

    /// <summary>With autolock: a known value sealed like the keys, which a presented unlock key must open.</summary>
    public byte[]? SealedUnlockCheck { get; init; }

    /// <summary>
    /// With autolock: the locked identity, a manager certificate (CN <see cref="ClusterCa.LockedIdentityName"/>, DER)
    /// that a locked process serves TLS with, since it cannot have one issued; its key is in
    /// <see cref="SealedLockedIdentityKey"/>, sealed with the key-encryption key alone.
    /// </summary>
    public byte[]? LockedIdentityCertificate { get; init; }

    public byte[]? SealedLockedIdentityKey { get; init; }

    /// <summary>
    /// Counts changes of the key material itself (roots, join-token secrets) — not of how it is sealed: a process that
    /// opened revision N keeps using what it holds in memory when only the sealing changed (autolock turned on, the
    /// unlock key rotated by another manager).
    /// </summary>
    public long KeysRevision { get; init; }

    /// <summary>When the root rotation under way began; null when none is.</summary>
    public DateTimeOffset? RotationStartedAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Counts the changes, so that a process never replaces what it holds with an older read.</summary>
    public long Revision { get; init; }

    /// <summary>The same stored state as <paramref name="other"/> (the same cluster, revision and time of change).</summary>
    public bool Same(ClusterCaDocument other) => ClusterId == other.ClusterId && Revision == other.Revision && UpdatedAt == other.UpdatedAt;

    /// <summary>The purpose a root key is sealed under: bound to the cluster and to the root's certificate.</summary>
    public static string RootKeyPurpose(Guid clusterId, string rootFingerprint) => $"swarm-ca/{clusterId}/root-key/{rootFingerprint}";

    /// <summary>The purpose of the autolock check value.</summary>
    public static string UnlockCheckPurpose(Guid clusterId) => $"swarm-ca/{clusterId}/unlock-check";

    /// <summary>The purpose of the locked identity's key (sealed with the key-encryption key alone).</summary>
    public static string LockedIdentityPurpose(Guid clusterId) => $"swarm-ca/{clusterId}/locked-identity-key";

    /// <summary>The purpose a join-token secret (kind worker or manager) is sealed under.</summary>
    public static string SecretPurpose(Guid clusterId, string kind) => $"swarm-ca/{clusterId}/join-token/{kind}";
}
