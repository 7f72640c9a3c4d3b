using System.Security.Cryptography.X509Certificates;
using Swarm.Contracts.Model;
using Swarm.Security;

namespace Swarm.EventStore.Security;

/// <summary>
/// The cluster's certificate authority as the managers use it (the dispatcher to admit and renew nodes and for its
/// own server and Raft certificates; the control API for tokens, rotation and client certificates). Its state is one
/// document in the log's database: the roots' certificates, the root key and the join-token secrets sealed with the
/// key-encryption key from configuration (<see cref="ClusterCaOptions"/>). The first use creates it; several
/// processes starting at once agree on one root. Changes are recorded as <c>ClusterCaChanged</c> events in the
/// same transaction (fingerprints only).
/// </summary>
public sealed class ClusterCa
{
    /// <summary>The trust state now (cached for a short while; created on first use).</summary>
    public Task<CaState> CurrentAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Admits a new node: <paramref name="token"/> must be the cluster's current worker or manager token and pin the
    /// current root; the node gets a fresh id. Throws <see cref="JoinRefusedException"/> (wrong, rotated or
    /// malformed token) or <see cref="InvalidCertificateRequestException"/>.
    /// </summary>
    public Task<NodeCertificate> IssueForTokenAsync(byte[] csrDer, string token, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// A new certificate for a node that holds a valid one (<paramref name="current"/>, read from its verified client
    /// certificate): same node id and role, issued by the current signing root, the cluster's cert expiry. Appends
    /// <c>NodeCertificateIssued</c> (reason renew) to the node's stream. The caller checks that the node was not removed.
    /// </summary>
    public Task<NodeCertificate> RenewAsync(byte[] csrDer, CertificateIdentity current, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>A manager certificate with its private key for this process's own TLS endpoints (CN <paramref name="name"/>).</summary>
    public Task<X509Certificate2> IssueManagerCertificateAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>An administrator's client certificate (OU swarm-manager, CN <paramref name="name"/>) for a key the client keeps.</summary>
    public Task<NodeCertificate> IssueClientCertificateAsync(byte[] csrDer, string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<JoinTokens> JoinTokensAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Replaces the secret of the <paramref name="kind"/> (worker or manager) token; nodes that joined keep working.</summary>
    public Task<JoinTokens> RotateJoinTokenAsync(string kind, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Begins a root rotation: a new root signs from now on; the old one stays trusted and cross-signs the new one
    /// (see <see cref="CaState.Intermediates"/>) until <see cref="CompleteRootRotationAsync"/>. Tokens pin the new root.
    /// </summary>
    public Task<CaState> StartRootRotationAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Ends a rotation: only the new root is trusted. No-op when none is under way.</summary>
    public Task<CaState> CompleteRootRotationAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
}

/// <summary>The cluster's trust state, public parts only.</summary>
public sealed record CaState(
    string ClusterId,
    IReadOnlyList<X509Certificate2> Roots,
    IReadOnlyList<X509Certificate2> Intermediates,
    TimeSpan NodeCertExpiry,
    DateTimeOffset? RotationStartedAt)
{
    /// <summary>The root that signs now.</summary>
    public X509Certificate2 SigningRoot => Roots[0];

    public IReadOnlyList<string> RootFingerprints => [.. Roots.Select(Fingerprints.Sha256)];

    public bool Rotating => RotationStartedAt is not null;
}

/// <summary>An issued certificate with what its holder needs to present and to trust.</summary>
public sealed record NodeCertificate(
    string NodeId,
    string Role,
    X509Certificate2 Certificate,
    IReadOnlyList<X509Certificate2> Intermediates,
    IReadOnlyList<X509Certificate2> Roots)
{
    public NodeCertificateInfo Info => NodeCertificates.Describe(Certificate, Roots);
}

public sealed record JoinTokens(string Worker, string Manager);

/// <summary>A join refused: wrong, rotated or malformed token. The message never repeats the token.</summary>
public sealed class JoinRefusedException(string message) : Exception(message);

/// <summary>The key-encryption key's source: <c>Swarm:Ca:KeyFile</c> (a 0600 file) or <c>Swarm:Ca:Key</c> (the key itself, e.g. from an environment variable).</summary>
public sealed class ClusterCaOptions
{
    public const string Section = "Swarm:Ca";
    public string? KeyFile { get; set; }
    public string? Key { get; set; }
}

public static class NodeCertificates
{
    /// <summary>The public facts of a certificate; the issuer fingerprint is of the root among <paramref name="roots"/> whose subject issued it.</summary>
    public static NodeCertificateInfo Describe(X509Certificate2 certificate, IEnumerable<X509Certificate2> roots) => new()
    {
        Role = CertificateIdentity.From(certificate)?.Role ?? "",
        Serial = certificate.SerialNumber,
        NotBefore = certificate.NotBefore.ToUniversalTime(),
        NotAfter = certificate.NotAfter.ToUniversalTime(),
        IssuerFingerprint = roots.FirstOrDefault(r => r.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)
            && CertificateChains.Verify(certificate, [r], certificate.NotBefore.AddMinutes(10) < certificate.NotAfter ? new DateTimeOffset(certificate.NotBefore.ToUniversalTime()).AddMinutes(10) : new DateTimeOffset(certificate.NotBefore.ToUniversalTime())) is null) is { } issuer
            ? Fingerprints.Sha256(issuer) : "",
    };
}
