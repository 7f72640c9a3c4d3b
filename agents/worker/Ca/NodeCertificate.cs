using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Swarm.Security;

namespace Swarm.Worker.Ca;

/// <summary>
/// A node's certificate with its key, the certificates to present along with it (during a root rotation, the
/// new root cross-signed by the old) and the roots it trusts. Who the node is comes from the certificate.
/// </summary>
public sealed record NodeCertificate(X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> Intermediates, IReadOnlyList<X509Certificate2> Roots)
{
    public CertificateIdentity Identity { get; } = CertificateIdentity.From(Certificate)
        ?? throw new CryptographicException("the node certificate does not name a node id, role and cluster");

    /// <summary>SHA-256 fingerprints of the trusted roots, as SessionInfo lists them.</summary>
    public IReadOnlySet<string> RootFingerprints => Roots.Select(Fingerprints.Sha256).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The certificate the CA issued for <paramref name="key"/>, checked: it must chain to one of the roots (through the
    /// intermediates), be valid at <paramref name="now"/>, be for this key and name a node; else <see cref="CryptographicException"/>.
    /// </summary>
    public static NodeCertificate Issued(ECDsa key, byte[] certificateDer, IEnumerable<byte[]> intermediatesDer, IEnumerable<byte[]> rootsDer, DateTimeOffset now)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        List<X509Certificate2> intermediates = [.. intermediatesDer.Select(X509CertificateLoader.LoadCertificate)];
        List<X509Certificate2> roots = [.. rootsDer.Select(X509CertificateLoader.LoadCertificate)];
        if (CertificateChains.Verify(certificate, roots, now, intermediates) is { } problem)
        {
            throw new CryptographicException($"the certificate the CA returned does not verify against the roots it returned: {problem}");
        }

        // throws when the certificate is not for this key
        return new NodeCertificate(Pem.WithKey(certificate.ExportCertificatePem(), Pem.PrivateKey(key)), intermediates, roots);
    }
}
