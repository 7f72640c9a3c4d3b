using Swarm.Dispatcher.Tests.Security;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Swarm.Dispatcher.Api;
using Swarm.Security;
using Swarm.Testing;

namespace Swarm.IntegrationTests.DispatcherSecurity;

/// <summary>
/// A root rotation as the dispatcher sees it: open sessions are told the new roots, nodes renew, and the leader
/// completes the rotation once every node that is up holds a certificate of the new root.
/// </summary>
public sealed class RootRotationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task Sessions_are_told_the_new_roots_and_the_rotation_completes_once_every_node_renewed()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var ca = new TestCa();
        await using var dispatcher = await TlsDispatcher.StartAsync(cluster, ca);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var oldRoot = Fingerprints.Sha256(ca.SigningRoot);

        var nodes = new List<(Guid Id, X509Certificate2 Certificate, AsyncServerStreamingCall<SessionMessage> Session)>();
        foreach (var name in new[] { "a", "b" })
        {
            var id = Guid.NewGuid();
            var certificate = ca.IssueNode(id);
            var registered = await dispatcher.RegisterAsync(certificate, name, cts.Token);
            var (session, info) = await TlsDispatcher.OpenSessionAsync(dispatcher.Agent(certificate), registered.SessionId, cts.Token);
            Assert.Equal([oldRoot], info.RootFingerprints);
            nodes.Add((id, certificate, session));
        }

        ca.StartRotation();
        var newRoot = Fingerprints.Sha256(ca.SigningRoot);
        foreach (var node in nodes)
        {
            var info = await NextSessionInfoAsync(node.Session, cts.Token);
            Assert.Equal([newRoot, oldRoot], info.RootFingerprints);
            Assert.Equal(node.Id.ToString(), info.NodeId);
        }

        // one node renews; the other still holds the old root's certificate: the rotation waits
        var renewedA = await RenewAndRegisterAsync(dispatcher, nodes[0].Certificate, "a", cts.Token);
        await Task.Delay(TimeSpan.FromSeconds(3), cts.Token);
        Assert.Equal(0, ca.Completions);
        Assert.True(ca.State.Rotating);

        var renewedB = await RenewAndRegisterAsync(dispatcher, nodes[1].Certificate, "b", cts.Token);
        await Eventually.WaitAsync(() => Task.FromResult(ca.Completions), n => n == 1, Timeout, "the rotation to complete");

        // only the new root now, on the renewed nodes' sessions
        foreach (var (id, session, first) in new[] { renewedA, renewedB })
        {
            var info = first;
            while (info.RootFingerprints.Count != 1)
            {
                info = await NextSessionInfoAsync(session, cts.Token);
            }

            Assert.Equal([newRoot], info.RootFingerprints);
            Assert.Equal(id.ToString(), info.NodeId);
            session.Dispose();
        }

        foreach (var node in nodes)
        {
            node.Session.Dispose();
        }
    }

    /// <summary>Renews over a connection with the current certificate (same node id), then registers with the new one and opens its session.</summary>
    private static async Task<(Guid Id, AsyncServerStreamingCall<SessionMessage> Session, SessionInfo Info)> RenewAndRegisterAsync(
        TlsDispatcher dispatcher, X509Certificate2 current, string hostname, CancellationToken cancellationToken)
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            var renewed = await dispatcher.NodeCa(current).RenewNodeCertificateAsync(new RenewNodeCertificateRequest { Csr = ByteString.CopyFrom(csr) }, cancellationToken: cancellationToken);
            Assert.Equal(CertificateIdentity.From(current)!.NodeId, renewed.NodeId);
            var certificate = TestCa.WithKey(X509CertificateLoader.LoadCertificate(renewed.Certificate.ToByteArray()), key);
            Assert.Equal(renewed.NodeId, CertificateIdentity.From(certificate)!.NodeId);
            var registered = await dispatcher.RegisterAsync(certificate, hostname, cancellationToken);
            Assert.Equal(renewed.NodeId, registered.NodeId);
            var (session, info) = await TlsDispatcher.OpenSessionAsync(dispatcher.Agent(certificate), registered.SessionId, cancellationToken);
            return (Guid.Parse(registered.NodeId), session, info);
        }
    }

    private static async Task<SessionInfo> NextSessionInfoAsync(AsyncServerStreamingCall<SessionMessage> session, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        while (await session.ResponseStream.MoveNext(timeout.Token))
        {
            if (session.ResponseStream.Current.Session is { } info)
            {
                return info;
            }
        }

        throw new InvalidOperationException("the session stream ended");
    }
}
