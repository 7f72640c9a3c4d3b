using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Swarm.Security;

/// <summary>
/// A cluster root CA: an ECDSA P-256 key and its self-signed certificate. It issues node certificates from
/// certificate signing requests (the node keeps its key; only the public key travels), and during a root
/// rotation cross-signs the new root so that nodes still trusting the old one accept chains of the new.
/// </summary>
public sealed class RootCa : IDisposable
{
    /// <summary>Certificates start this long before they are issued, so a peer's clock a little behind accepts them.</summary>
    public static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    /// <summary>A root's default lifetime (SwarmKit: 20 years).</summary>
    public static readonly TimeSpan DefaultRootValidity = TimeSpan.FromDays(365 * 20);

    private readonly ECDsa _key;

    private RootCa(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        _key = key;
    }

    /// <summary>The root certificate (public part only).</summary>
    public X509Certificate2 Certificate { get; }

    public string Fingerprint => Fingerprints.Sha256(Certificate);

    /// <summary>A new root for <paramref name="clusterId"/>.</summary>
    public static RootCa Create(string clusterId, DateTimeOffset now, TimeSpan? validity = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedNameBuilder();
        name.AddOrganizationName(clusterId);
        name.AddCommonName("swarm-ca");
        // each root its own name: a rotation's cross-signed intermediate (the new root's name, issued under the
        // old root's) would otherwise be self-issued, and chain building would check it against its own key
        name.Add("2.5.4.5", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), UniversalTagNumber.PrintableString); // serialNumber
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        AddCaExtensions(request);
        var notBefore = now - Backdate;
        using var selfSigned = request.CreateSelfSigned(notBefore, now + (validity ?? DefaultRootValidity));
        return new RootCa(X509CertificateLoader.LoadCertificate(selfSigned.RawData), key);
    }

    /// <summary>A root from its certificate (DER) and its key (PKCS#8 DER).</summary>
    public static RootCa Load(byte[] certificateDer, byte[] pkcs8Key)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8Key, out _);
        var certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        using var mine = certificate.GetECDsaPublicKey() ?? throw new CryptographicException("the root certificate has no ECDSA key");
        if (!mine.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            throw new CryptographicException("the root key does not belong to the root certificate");
        }

        return new RootCa(certificate, key);
    }

    /// <summary>The root key as PKCS#8 DER, to be sealed before it is stored.</summary>
    public byte[] ExportKey() => _key.ExportPkcs8PrivateKey();

    /// <summary>
    /// Signs a certificate for <paramref name="identity"/> over the public key of <paramref name="csrDer"/> (whose
    /// own signature must verify: the requester holds the key). Whatever subject the request names is ignored.
    /// </summary>
    public X509Certificate2 Issue(byte[] csrDer, CertificateIdentity identity, DateTimeOffset now, TimeSpan validity)
    {
        CertificateRequest csr;
        try
        {
            csr = CertificateRequest.LoadSigningRequest(csrDer, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidCertificateRequestException($"the certificate signing request is not valid: {ex.Message}", ex);
        }

        return Issue(csr.PublicKey, identity, now, validity);
    }

    /// <summary>Signs a certificate for <paramref name="identity"/> over <paramref name="publicKey"/>.</summary>
    public X509Certificate2 Issue(PublicKey publicKey, CertificateIdentity identity, DateTimeOffset now, TimeSpan validity)
    {
        var request = new CertificateRequest(identity.ToDistinguishedName(), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(identity.Role);
        san.AddDnsName(identity.NodeId);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, X509SubjectKeyIdentifierHashAlgorithm.Sha1, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));

        var notAfter = now + validity;
        if (notAfter > Certificate.NotAfter)
        {
            notAfter = Certificate.NotAfter;
        }

        return request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now - Backdate, notAfter, NewSerial());
    }

    /// <summary>
    /// The other root's subject and key, signed by this root: an intermediate that chains <paramref name="other"/>'s
    /// certificates up to this root (sent along with them while nodes still trust only this one).
    /// </summary>
    public X509Certificate2 CrossSign(X509Certificate2 other, DateTimeOffset now)
    {
        using var otherKey = other.GetECDsaPublicKey() ?? throw new CryptographicException("the other root has no ECDSA key");
        var request = new CertificateRequest(other.SubjectName, otherKey, HashAlgorithmName.SHA256);
        AddCaExtensions(request);
        var notAfter = other.NotAfter < Certificate.NotAfter ? other.NotAfter : Certificate.NotAfter;
        using var crossSigned = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now - Backdate, notAfter, NewSerial());
        return X509CertificateLoader.LoadCertificate(crossSigned.RawData);
    }

    /// <summary>A new ECDSA P-256 key and a signing request for it (the subject is the CA's choice, not the requester's).</summary>
    public static (ECDsa Key, byte[] CsrDer) NewKeyAndRequest()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=swarm-node", key, HashAlgorithmName.SHA256);
        return (key, request.CreateSigningRequest());
    }

    private static void AddCaExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, X509SubjectKeyIdentifierHashAlgorithm.Sha1, false));
    }

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // positive
        return serial;
    }

    public void Dispose() => _key.Dispose();
}

/// <summary>A certificate signing request that does not parse or whose signature does not verify.</summary>
public sealed class InvalidCertificateRequestException(string message, Exception? inner = null) : Exception(message, inner);
