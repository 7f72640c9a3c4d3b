using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Swarm.Dispatcher.Security;
using Swarm.Security;

namespace Swarm.Dispatcher.Tests.Security;

/// <summary>Who a call comes from: the certificate of its connection, verified again on every call.</summary>
public sealed class NodeAuthenticatorTests : IDisposable
{
    private readonly TestCa _ca = new();
    private readonly ClusterTrust _trust = new(TimeProvider.System);
    private readonly RevokedNodes _revoked = new();
    private readonly NodeAuthenticator _authenticator;

    public NodeAuthenticatorTests()
    {
        _trust.Update(_ca.State, _ca.Issue("dispatcher-test", NodeRoles.Manager));
        _revoked.AddLoaded([]);
        _authenticator = new NodeAuthenticator(_trust, _revoked);
    }

    [Fact]
    public void A_node_is_the_node_its_certificate_names()
    {
        var nodeId = Guid.NewGuid();
        var caller = _authenticator.Authenticate(_ca.IssueNode(nodeId));
        Assert.Equal(nodeId, caller.NodeId);
        Assert.Equal(NodeRoles.Worker, caller.Identity.Role);
        Assert.Equal(_ca.ClusterId, caller.Identity.ClusterId);

        var manager = _authenticator.Authenticate(_ca.IssueNode(nodeId, NodeRoles.Manager));
        Assert.Equal(NodeRoles.Manager, manager.Identity.Role);
    }

    [Fact]
    public void A_call_without_a_certificate_is_unauthenticated()
    {
        var refused = Assert.Throws<RpcException>(() => _authenticator.Authenticate((X509Certificate2?)null));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public void A_self_signed_certificate_naming_a_node_of_this_cluster_is_unauthenticated()
    {
        var nodeId = Guid.NewGuid();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new CertificateIdentity(nodeId.ToString(), NodeRoles.Worker, _ca.ClusterId).ToDistinguishedName(), key, HashAlgorithmName.SHA256);
        using var forged = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        var refused = Assert.Throws<RpcException>(() => _authenticator.Authenticate(forged));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("not issued by this cluster's CA", refused.Status.Detail);
    }

    [Fact]
    public void Another_clusters_certificate_is_unauthenticated_even_when_it_names_this_cluster()
    {
        using var other = new TestCa();
        var refused = Assert.Throws<RpcException>(() => _authenticator.Authenticate(other.IssueNode(Guid.NewGuid())));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);

        // a CA of its own that writes this cluster's id into what it issues
        using var impostor = new TestCa(_ca.ClusterId);
        refused = Assert.Throws<RpcException>(() => _authenticator.Authenticate(impostor.IssueNode(Guid.NewGuid())));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public void An_expired_certificate_is_unauthenticated()
    {
        var expired = _ca.Issue(Guid.NewGuid().ToString(), NodeRoles.Worker, DateTimeOffset.UtcNow.AddDays(-3), TimeSpan.FromDays(1));
        var refused = Assert.Throws<RpcException>(() => _authenticator.Authenticate(expired));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("expired", refused.Status.Detail);
    }

    [Fact]
    public void A_removed_nodes_certificate_is_permission_denied_and_says_so()
    {
        var nodeId = Guid.NewGuid();
        var certificate = _ca.IssueNode(nodeId);
        Assert.True(_revoked.Add(nodeId));

        var refused = Assert.Throws<RpcException>(() => _authenticator.Authenticate(certificate));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal($"node {nodeId} was removed from the cluster", refused.Status.Detail);
    }

    [Fact]
    public void A_certificate_that_names_no_node_or_no_node_role_is_refused()
    {
        var admin = Assert.Throws<RpcException>(() => _authenticator.Authenticate(_ca.Issue("alice", NodeRoles.Manager)));
        Assert.Equal(StatusCode.PermissionDenied, admin.StatusCode);

        var other = Assert.Throws<RpcException>(() => _authenticator.Authenticate(_ca.Issue(Guid.NewGuid().ToString(), "swarm-auditor")));
        Assert.Equal(StatusCode.Unauthenticated, other.StatusCode);
    }

    [Fact]
    public void Nothing_is_accepted_before_the_removed_nodes_were_read()
    {
        var authenticator = new NodeAuthenticator(_trust, new RevokedNodes());
        var refused = Assert.Throws<RpcException>(() => authenticator.Authenticate(_ca.IssueNode(Guid.NewGuid())));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
    }

    [Fact]
    public void During_a_root_rotation_both_roots_certificates_pass_and_after_it_only_the_new_ones()
    {
        var before = _ca.IssueNode(Guid.NewGuid());
        _ca.StartRotation();
        _trust.Update(_ca.State, _trust.Current!.ManagerCertificate);
        var after = _ca.IssueNode(Guid.NewGuid());
        _authenticator.Authenticate(before);
        _authenticator.Authenticate(after);

        _ = _ca.CompleteRootRotationAsync(CancellationToken.None);
        _trust.Update(_ca.State, _trust.Current!.ManagerCertificate);
        _authenticator.Authenticate(after);
        var refused = Assert.Throws<RpcException>(() => _authenticator.Authenticate(before));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    public void Dispose() => _ca.Dispose();
}
