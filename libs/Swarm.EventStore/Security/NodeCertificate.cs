using System.Security.Cryptography.X509Certificates;
using Swarm.Contracts.Model;

namespace Swarm.EventStore.Security;

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
