using System.Security.Cryptography.X509Certificates;
using Swarm.Contracts.Model;
using Swarm.Security;

namespace Swarm.EventStore.Security;

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
