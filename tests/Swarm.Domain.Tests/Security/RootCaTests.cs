using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Swarm.Security;

namespace Swarm.Domain.Tests.Security;

public sealed class RootCaTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_root_is_a_self_signed_CA_naming_the_cluster()
    {
        using var ca = RootCa.Create("cluster-a", Now);

        var root = ca.Certificate;
        Assert.Equal(root.SubjectName.RawData, root.IssuerName.RawData);
        Assert.False(root.HasPrivateKey);
        var constraints = Assert.Single(root.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.Contains("O=cluster-a", root.Subject, StringComparison.Ordinal);
        Assert.Equal((Now - RootCa.Backdate).UtcDateTime, root.NotBefore.ToUniversalTime());
        Assert.Equal((Now + RootCa.DefaultRootValidity).UtcDateTime, root.NotAfter.ToUniversalTime());
        Assert.Null(CertificateChains.Verify(root, [root], Now));
        Assert.Equal(Fingerprints.Sha256(root), ca.Fingerprint);
        Assert.Matches("^[0-9a-f]{64}$", ca.Fingerprint);
    }

    [Fact]
    public void Two_roots_of_one_cluster_have_different_subjects()
    {
        // a rotation's new root is cross-signed by the old one: equal names would make that intermediate look self-issued
        using var first = RootCa.Create("cluster-a", Now);
        using var second = RootCa.Create("cluster-a", Now);
        Assert.NotEqual(first.Certificate.Subject, second.Certificate.Subject);
    }

    [Fact]
    public void Issues_for_the_identity_given_over_the_requests_key_ignoring_the_subject_it_asks_for()
    {
        using var ca = RootCa.Create("cluster-a", Now);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=root-please, OU=swarm-manager, O=another-cluster", key, HashAlgorithmName.SHA256).CreateSigningRequest();

        using var cert = ca.Issue(csr, new CertificateIdentity("node-1", NodeRoles.Worker, "cluster-a"), Now, TimeSpan.FromDays(90));

        Assert.Equal(new CertificateIdentity("node-1", NodeRoles.Worker, "cluster-a"), CertificateIdentity.From(cert));
        Assert.DoesNotContain("root-please", cert.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("another-cluster", cert.Subject, StringComparison.Ordinal);
        Assert.Equal(ca.Certificate.SubjectName.RawData, cert.IssuerName.RawData);
        using var issuedKey = cert.GetECDsaPublicKey()!;
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), issuedKey.ExportSubjectPublicKeyInfo());
        Assert.False(cert.HasPrivateKey);
        Assert.False(Assert.Single(cert.Extensions.OfType<X509BasicConstraintsExtension>()).CertificateAuthority);
        Assert.Equal((Now - RootCa.Backdate).UtcDateTime, cert.NotBefore.ToUniversalTime());
        Assert.Equal((Now + TimeSpan.FromDays(90)).UtcDateTime, cert.NotAfter.ToUniversalTime());
        var usages = Assert.Single(cert.Extensions.OfType<X509EnhancedKeyUsageExtension>()).EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToList();
        Assert.Contains("1.3.6.1.5.5.7.3.1", usages);
        Assert.Contains("1.3.6.1.5.5.7.3.2", usages);
        Assert.Null(CertificateChains.VerifyPeer(cert, [ca.Certificate], Now, NodeRoles.Worker, "cluster-a"));
    }

    [Fact]
    public void Each_certificate_gets_its_own_positive_serial()
    {
        using var ca = RootCa.Create("cluster-a", Now);
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            var serials = Enumerable.Range(0, 20).Select(_ =>
            {
                using var cert = ca.Issue(csr, new CertificateIdentity("node-1", NodeRoles.Worker, "cluster-a"), Now, TimeSpan.FromDays(1));
                return cert.SerialNumberBytes.ToArray();
            }).ToList();
            Assert.Equal(20, serials.Select(Convert.ToHexString).Distinct().Count());
            Assert.All(serials, s => Assert.True(s[0] < 0x80)); // big-endian: a positive serial's first bit is clear
        }
    }

    public static TheoryData<string, byte[]> BadRequests()
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        key.Dispose();
        var tampered = (byte[])csr.Clone();
        tampered[^3] ^= 0x55; // inside the signature
        var changedSubject = (byte[])csr.Clone();
        var at = changedSubject.AsSpan().IndexOf("swarm-node"u8);
        changedSubject[at] = (byte)'S'; // the signed part no longer matches its signature
        byte[] certificate;
        using (var other = RootCa.Create("x", DateTimeOffset.UtcNow))
        {
            certificate = other.Certificate.RawData;
        }

        return new()
        {
            { "empty", [] },
            { "garbage", [1, 2, 3, 4, 5] },
            { "a certificate, not a request", certificate },
            { "signature tampered", tampered },
            { "subject changed after signing", changedSubject },
            { "trailing bytes", [.. csr, 0] },
        };
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void A_request_that_does_not_parse_or_verify_is_refused(string what, byte[] csr)
    {
        using var ca = RootCa.Create("cluster-a", Now);
        var ex = Assert.Throws<InvalidCertificateRequestException>(() => ca.Issue(csr, new CertificateIdentity("n", NodeRoles.Worker, "cluster-a"), Now, TimeSpan.FromDays(1)));
        Assert.StartsWith("the certificate signing request is not valid", ex.Message, StringComparison.Ordinal);
        _ = what;
    }

    [Fact]
    public void A_certificate_never_outlives_its_root()
    {
        using var ca = RootCa.Create("cluster-a", Now, TimeSpan.FromDays(30));
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var cert = ca.Issue(csr, new CertificateIdentity("n", NodeRoles.Worker, "cluster-a"), Now, TimeSpan.FromDays(90));
            Assert.Equal(ca.Certificate.NotAfter, cert.NotAfter);
            Assert.Null(CertificateChains.Verify(cert, [ca.Certificate], Now + TimeSpan.FromDays(29)));
        }
    }

    [Fact]
    public void A_root_loaded_from_its_exported_key_issues_certificates_that_chain_to_it()
    {
        using var original = RootCa.Create("cluster-a", Now);
        using var loaded = RootCa.Load(original.Certificate.RawData, original.ExportKey());
        Assert.Equal(original.Fingerprint, loaded.Fingerprint);
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var cert = loaded.Issue(csr, new CertificateIdentity("n", NodeRoles.Manager, "cluster-a"), Now, TimeSpan.FromDays(1));
            Assert.Null(CertificateChains.VerifyPeer(cert, [original.Certificate], Now, NodeRoles.Manager, "cluster-a"));
        }
    }

    [Fact]
    public void Loading_a_root_with_another_roots_key_fails()
    {
        using var a = RootCa.Create("cluster-a", Now);
        using var b = RootCa.Create("cluster-a", Now);
        var ex = Assert.Throws<CryptographicException>(() => RootCa.Load(a.Certificate.RawData, b.ExportKey()));
        Assert.Contains("does not belong", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_identity_round_trips_through_its_distinguished_name()
    {
        var identity = new CertificateIdentity(Guid.NewGuid().ToString(), NodeRoles.Manager, Guid.NewGuid().ToString());
        using var ca = RootCa.Create(identity.ClusterId, Now);
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var cert = ca.Issue(csr, identity, Now, TimeSpan.FromDays(1));
            Assert.Equal(identity, CertificateIdentity.From(cert));
            Assert.True(CertificateIdentity.From(cert)!.IsManager);
        }

        Assert.Null(CertificateIdentity.From(ca.Certificate)); // a root names no node
    }

    [Theory]
    [InlineData("worker", NodeRoles.Worker)]
    [InlineData("manager", NodeRoles.Manager)]
    [InlineData("Worker", null)]
    [InlineData("", null)]
    public void Token_kinds_map_to_roles(string kind, string? role)
    {
        Assert.Equal(role, NodeRoles.FromKind(kind));
        if (role is not null)
        {
            Assert.Equal(kind, NodeRoles.Kind(role));
        }
    }
}
