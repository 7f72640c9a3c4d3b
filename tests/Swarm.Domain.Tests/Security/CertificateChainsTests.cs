using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Swarm.Security;

namespace Swarm.Domain.Tests.Security;

public sealed class CertificateChainsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private const string Cluster = "cluster-a";
    private readonly RootCa _ca = RootCa.Create(Cluster, Now - TimeSpan.FromDays(10));
    private readonly List<IDisposable> _owned = [];

    private X509Certificate2 Issue(RootCa ca, string role = NodeRoles.Worker, string cluster = Cluster, TimeSpan? validity = null, string node = "node-1")
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        _owned.Add(key);
        var cert = ca.Issue(csr, new CertificateIdentity(node, role, cluster), Now, validity ?? TimeSpan.FromDays(90));
        _owned.Add(cert);
        return cert;
    }

    [Fact]
    public void A_certificate_the_root_issued_verifies_as_a_peer_of_its_role_and_cluster()
    {
        var cert = Issue(_ca);
        Assert.Null(CertificateChains.Verify(cert, [_ca.Certificate], Now));
        Assert.Null(CertificateChains.VerifyPeer(cert, [_ca.Certificate], Now, NodeRoles.Worker, Cluster));
        Assert.Null(CertificateChains.VerifyPeer(cert, [_ca.Certificate], Now, role: null, clusterId: null));
    }

    [Fact]
    public void A_self_signed_certificate_naming_a_node_of_the_cluster_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new CertificateIdentity("node-1", NodeRoles.Manager, Cluster).ToDistinguishedName(), key, HashAlgorithmName.SHA256);
        using var forged = request.CreateSelfSigned(Now - TimeSpan.FromDays(1), Now + TimeSpan.FromDays(1));

        var problem = CertificateChains.VerifyPeer(forged, [_ca.Certificate], Now, NodeRoles.Manager, Cluster);
        Assert.Equal("the certificate was not issued by this cluster's CA", problem);
    }

    [Fact]
    public void A_certificate_of_another_clusters_root_is_refused_even_naming_this_cluster()
    {
        using var other = RootCa.Create(Cluster, Now - TimeSpan.FromDays(10));
        var cert = Issue(other);

        Assert.Equal("the certificate was not issued by this cluster's CA", CertificateChains.Verify(cert, [_ca.Certificate], Now));
        Assert.NotNull(CertificateChains.VerifyPeer(cert, [_ca.Certificate], Now, NodeRoles.Worker, Cluster));
        // with both roots trusted it verifies: the roots given are the whole of the trust
        Assert.Null(CertificateChains.Verify(cert, [_ca.Certificate, other.Certificate], Now));
    }

    [Fact]
    public void Nothing_verifies_without_a_root()
    {
        Assert.Equal("no trusted root", CertificateChains.Verify(Issue(_ca), [], Now));
    }

    [Fact]
    public void An_expired_certificate_is_refused_later_and_says_when_it_expired()
    {
        var cert = Issue(_ca, validity: TimeSpan.FromHours(1));
        Assert.Null(CertificateChains.Verify(cert, [_ca.Certificate], Now + TimeSpan.FromMinutes(59)));

        var problem = CertificateChains.Verify(cert, [_ca.Certificate], Now + TimeSpan.FromHours(2));
        Assert.Equal($"the certificate expired at {(Now + TimeSpan.FromHours(1)).UtcDateTime:u}", problem);
    }

    [Fact]
    public void A_certificate_is_refused_before_it_starts()
    {
        var cert = Issue(_ca);
        Assert.Equal($"the certificate is not valid yet (from {(Now - RootCa.Backdate).UtcDateTime:u})", CertificateChains.Verify(cert, [_ca.Certificate], Now - TimeSpan.FromHours(1)));
    }

    [Fact]
    public void An_expired_intermediate_is_named_as_such()
    {
        using var shortLived = RootCa.Create(Cluster, Now - TimeSpan.FromDays(1), TimeSpan.FromDays(30));
        using var newRoot = RootCa.Create(Cluster, Now);
        using var crossSigned = shortLived.CrossSign(newRoot.Certificate, Now);
        var leaf = Issue(newRoot);
        Assert.Null(CertificateChains.Verify(leaf, [shortLived.Certificate], Now + TimeSpan.FromDays(20), [crossSigned]));
        Assert.Equal("a root or intermediate of the certificate's chain is outside its validity",
            CertificateChains.Verify(leaf, [shortLived.Certificate], Now + TimeSpan.FromDays(60), [crossSigned]));
    }

    [Fact]
    public void A_peer_of_the_wrong_role_or_cluster_is_refused()
    {
        var worker = Issue(_ca, NodeRoles.Worker);
        Assert.Equal($"the certificate's role is {NodeRoles.Worker}; {NodeRoles.Manager} is needed",
            CertificateChains.VerifyPeer(worker, [_ca.Certificate], Now, NodeRoles.Manager, Cluster));

        var elsewhere = Issue(_ca, NodeRoles.Manager, cluster: "cluster-b");
        Assert.Equal("the certificate belongs to cluster cluster-b, not cluster-a",
            CertificateChains.VerifyPeer(elsewhere, [_ca.Certificate], Now, NodeRoles.Manager, Cluster));
    }

    [Fact]
    public void The_root_itself_is_no_peer()
    {
        Assert.Equal("the certificate does not name a node id, role and cluster",
            CertificateChains.VerifyPeer(_ca.Certificate, [_ca.Certificate], Now, role: null, clusterId: null));
    }

    [Fact]
    public void During_a_rotation_a_new_roots_certificate_verifies_against_the_old_root_through_the_cross_signed_intermediate()
    {
        using var newRoot = RootCa.Create(Cluster, Now);
        using var crossSigned = _ca.CrossSign(newRoot.Certificate, Now);
        var leaf = Issue(newRoot, NodeRoles.Manager);

        // a node that still trusts only the old root
        Assert.Equal("the certificate was not issued by this cluster's CA", CertificateChains.Verify(leaf, [_ca.Certificate], Now));
        Assert.Null(CertificateChains.Verify(leaf, [_ca.Certificate], Now, [crossSigned]));
        Assert.Null(CertificateChains.VerifyPeer(leaf, [_ca.Certificate], Now, NodeRoles.Manager, Cluster, [crossSigned]));

        // a node that trusts the new root, alone or with the old one, with or without the intermediate
        Assert.Null(CertificateChains.Verify(leaf, [newRoot.Certificate], Now));
        Assert.Null(CertificateChains.Verify(leaf, [newRoot.Certificate, _ca.Certificate], Now, [crossSigned]));
        Assert.Null(CertificateChains.Verify(leaf, [newRoot.Certificate], Now, [crossSigned]));

        // the old root's certificates still verify while both are trusted, not against the new root alone
        var old = Issue(_ca);
        Assert.Null(CertificateChains.Verify(old, [newRoot.Certificate, _ca.Certificate], Now, [crossSigned]));
        Assert.NotNull(CertificateChains.Verify(old, [newRoot.Certificate], Now, [crossSigned]));
    }

    [Fact]
    public void The_cross_signed_intermediate_is_the_new_roots_key_and_name_under_the_old_roots_signature()
    {
        using var newRoot = RootCa.Create(Cluster, Now);
        using var crossSigned = _ca.CrossSign(newRoot.Certificate, Now);

        Assert.Equal(newRoot.Certificate.SubjectName.RawData, crossSigned.SubjectName.RawData);
        Assert.Equal(_ca.Certificate.SubjectName.RawData, crossSigned.IssuerName.RawData);
        Assert.Equal(newRoot.Certificate.PublicKey.EncodedKeyValue.RawData, crossSigned.PublicKey.EncodedKeyValue.RawData);
        Assert.True(Assert.Single(crossSigned.Extensions.OfType<X509BasicConstraintsExtension>()).CertificateAuthority);
        Assert.False(crossSigned.HasPrivateKey);
        Assert.Null(CertificateChains.Verify(crossSigned, [_ca.Certificate], Now));
        // it cannot outlive the root that signed it
        Assert.True(crossSigned.NotAfter <= _ca.Certificate.NotAfter);
    }

    [Fact]
    public void A_leaf_of_an_unrelated_root_gains_nothing_from_a_cross_signed_intermediate()
    {
        using var newRoot = RootCa.Create(Cluster, Now);
        using var crossSigned = _ca.CrossSign(newRoot.Certificate, Now);
        using var stranger = RootCa.Create(Cluster, Now);
        var leaf = Issue(stranger);
        Assert.NotNull(CertificateChains.Verify(leaf, [_ca.Certificate], Now, [crossSigned]));
    }

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }

        _ca.Dispose();
    }
}
