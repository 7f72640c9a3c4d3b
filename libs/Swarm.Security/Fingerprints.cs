using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Swarm.Security;

public static class Fingerprints
{
    /// <summary>SHA-256 of the certificate's DER, lower-case hex (as <c>openssl x509 -fingerprint -sha256</c> without colons).</summary>
    public static string Sha256(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
}
