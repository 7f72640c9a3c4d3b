namespace Swarm.EventStore.Security;

/// <summary>
/// The cluster CA's state as stored: one document (fixed id) in the log's database. Certificates are public;
/// the root keys and the join-token secrets are sealed with the key-encryption key, each under a purpose
/// that names its field (and, for a key, its certificate), so that no sealed value opens in another place.
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

    /// <summary>The purpose a join-token secret (kind worker or manager) is sealed under.</summary>
    public static string SecretPurpose(Guid clusterId, string kind) => $"swarm-ca/{clusterId}/join-token/{kind}";
}
