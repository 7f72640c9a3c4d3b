using System.Security.Cryptography.X509Certificates;
using Swarm.Security;
using Swarm.Worker.Ca;

namespace Swarm.Worker.Tests.Ca;

public sealed class ServerCertificatesTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly RootCa _cluster = TestCa.Create(Now);
    private readonly RootCa _attacker = TestCa.Create(Now, TestCa.ClusterId);

    public void Dispose()
    {
        _cluster.Dispose();
        _attacker.Dispose();
    }

    private static X509Chain Sent(params X509Certificate2[] certificates)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.ExtraStore.AddRange(certificates);
        return chain;
    }

    [Fact]
    public void Joining_accepts_a_server_chaining_to_the_root_the_token_pins()
    {
        var token = JoinToken.Create(_cluster.Certificate);
        var server = TestCa.Dispatcher(_cluster, Now);

        // the root fetched (and checked against the token) beforehand
        Assert.Null(ServerCertificates.CheckPinned(server, null, token, [_cluster.Certificate], Now));

        // or the root the server sends along with its certificate
        using var chain = Sent(_cluster.Certificate);
        Assert.Null(ServerCertificates.CheckPinned(server, chain, token, [], Now));
    }

    [Fact]
    public void Joining_refuses_a_server_of_another_CA()
    {
        var token = JoinToken.Create(_cluster.Certificate);
        var impostor = TestCa.Dispatcher(_attacker, Now);

        // its own root, sent along: not the pinned one
        using var chain = Sent(_attacker.Certificate);
        Assert.Contains("does not end at the root the join token pins", ServerCertificates.CheckPinned(impostor, chain, token, [], Now));

        // the cluster's genuine root is known: the impostor's certificate does not chain to it
        using var both = Sent(_attacker.Certificate, _cluster.Certificate);
        Assert.Contains("not issued by this cluster's CA", ServerCertificates.CheckPinned(impostor, both, token, [_cluster.Certificate], Now));
    }

    [Fact]
    public void Joining_refuses_a_server_with_a_node_certificate_of_the_right_CA()
    {
        var token = JoinToken.Create(_cluster.Certificate);
        var worker = TestCa.Dispatcher(_cluster, Now, role: NodeRoles.Worker);

        Assert.Contains("swarm-manager is needed", ServerCertificates.CheckPinned(worker, null, token, [_cluster.Certificate], Now));
    }

    [Fact]
    public void A_joined_node_accepts_only_a_manager_of_its_cluster_chaining_to_its_roots()
    {
        var node = TestCa.Node(_cluster, Now, TimeSpan.FromDays(90));

        Assert.Null(ServerCertificates.CheckDispatcher(TestCa.Dispatcher(_cluster, Now), null, node, Now));
        Assert.Contains("not issued by this cluster's CA", ServerCertificates.CheckDispatcher(TestCa.Dispatcher(_attacker, Now), null, node, Now));
        Assert.Contains("is needed", ServerCertificates.CheckDispatcher(TestCa.Dispatcher(_cluster, Now, role: NodeRoles.Worker), null, node, Now));
        Assert.Contains("expired", ServerCertificates.CheckDispatcher(TestCa.Dispatcher(_cluster, Now), null, node, Now.AddDays(31)));
        Assert.Equal("it presented no certificate", ServerCertificates.CheckDispatcher(null, null, node, Now));
    }

    [Fact]
    public void A_joined_node_accepts_a_dispatcher_of_a_new_root_through_the_cross_signed_certificate_it_sends()
    {
        var node = TestCa.Node(_cluster, Now, TimeSpan.FromDays(90));
        // a new root named apart from the old one: with the same subject as the root that cross-signs it, the chain does not build
        using var next = TestCa.Create(Now, "cluster-test-next");
        var server = TestCa.Dispatcher(next, Now);

        Assert.NotNull(ServerCertificates.CheckDispatcher(server, null, node, Now));
        using var chain = Sent(_cluster.CrossSign(next.Certificate, Now));
        Assert.Null(ServerCertificates.CheckDispatcher(server, chain, node, Now));
    }
}
