using Swarm.Dispatcher.Tests.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Contracts.Events;
using Swarm.Dispatcher.Api;
using Swarm.Dispatcher.Security;
using Swarm.Dispatcher.Sessions;
using Swarm.Domain.Nodes;
using Swarm.Security;
using Swarm.Testing;

namespace Swarm.IntegrationTests.DispatcherSecurity;

/// <summary>
/// The agent endpoint with mutual TLS, over real sockets against the real log and broker: a node is the node its
/// certificate names, and nothing else gets at its registration or its session.
/// </summary>
public sealed class MutualTlsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task Registering_as_a_node_without_its_valid_certificate_is_refused_and_its_real_session_is_untouched()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var ca = new TestCa();
        await using var dispatcher = await TlsDispatcher.StartAsync(cluster, ca);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var nodeId = Guid.NewGuid();
        var certificate = ca.IssueNode(nodeId);
        var registered = await dispatcher.RegisterAsync(certificate, "real", cts.Token);
        // the node id is the certificate's, whatever the request says
        Assert.Equal(nodeId.ToString(), registered.NodeId);
        var real = dispatcher.Agent(certificate);
        var (session, info) = await TlsDispatcher.OpenSessionAsync(real, registered.SessionId, cts.Token);
        Assert.Equal([Fingerprints.Sha256(ca.SigningRoot)], info.RootFingerprints);

        // a removed node of this cluster, known to the dispatcher
        var removedId = Guid.NewGuid();
        await using (var write = dispatcher.Store.LightweightSession())
        {
            write.Events.StartStream<Node>(removedId,
                new NodeRegistered { NodeId = removedId, Description = new() { Hostname = "gone" }, At = DateTimeOffset.UtcNow },
                new NodeRemoved { NodeId = removedId, Hostname = "gone", At = DateTimeOffset.UtcNow });
            await write.SaveChangesAsync(cts.Token);
        }

        var revoked = dispatcher.App.Services.GetRequiredService<RevokedNodes>();
        await Eventually.WaitAsync(() => Task.FromResult(revoked.Contains(removedId)), r => r, Timeout, "the removal to reach the dispatcher");

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new CertificateIdentity(nodeId.ToString(), NodeRoles.Worker, ca.ClusterId).ToDistinguishedName(), key, HashAlgorithmName.SHA256);
        using var selfSignedOnly = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var selfSigned = X509CertificateLoader.LoadPkcs12(selfSignedOnly.Export(X509ContentType.Pkcs12), null);
        using var otherCluster = new TestCa();

        // the TLS handshake itself fails: Unavailable, or Internal when (TLS 1.3) the client learns it only as the
        // connection closes before HTTP/2 starts; either way the call never reaches the service
        StatusCode[] handshakeFails = [StatusCode.Unavailable, StatusCode.Internal];
        var attempts = new (string What, X509Certificate2? Certificate, StatusCode[] Expected)[]
        {
            ("no certificate", null, [StatusCode.Unauthenticated]),
            ("a self-signed certificate naming the node", selfSigned, handshakeFails),
            ("another cluster's certificate naming the node", otherCluster.IssueNode(nodeId), handshakeFails),
            ("the node's own expired certificate", ca.Issue(nodeId.ToString(), NodeRoles.Worker, DateTimeOffset.UtcNow.AddDays(-3), TimeSpan.FromDays(1)), handshakeFails),
            ("a removed node's certificate", ca.IssueNode(removedId), [StatusCode.PermissionDenied]),
        };
        foreach (var (what, attacker, expected) in attempts)
        {
            var client = dispatcher.Agent(attacker);
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.RegisterAsync(
                new RegisterRequest { NodeId = nodeId.ToString(), Description = new NodeDescription { Hostname = "intruder" } }, cancellationToken: cts.Token).ResponseAsync);
            Assert.True(expected.Contains(refused.StatusCode), $"{what}: {refused.Status}");
            var heartbeat = await Assert.ThrowsAsync<RpcException>(() => client.HeartbeatAsync(new HeartbeatRequest { SessionId = registered.SessionId }, cancellationToken: cts.Token).ResponseAsync);
            Assert.True(expected.Contains(heartbeat.StatusCode), $"{what}: {heartbeat.Status}");
        }

        Assert.Equal($"node {removedId} was removed from the cluster",
            (await Assert.ThrowsAsync<RpcException>(() => dispatcher.Agent(ca.IssueNode(removedId)).RegisterAsync(new RegisterRequest(), cancellationToken: cts.Token).ResponseAsync)).Status.Detail);

        // the real node's session is the one it opened, still open, and its heartbeats are accepted
        var sessions = dispatcher.App.Services.GetRequiredService<SessionRegistry>();
        Assert.Equal(registered.SessionId, sessions.ForNode(nodeId)?.SessionId);
        Assert.False(sessions.ForNode(nodeId)!.IsClosed);
        await real.HeartbeatAsync(new HeartbeatRequest { SessionId = registered.SessionId }, cancellationToken: cts.Token);
        session.Dispose();

        // the log has the one registration, with the certificate it was made with, and no intruder
        await using var query = dispatcher.Store.QuerySession();
        var registrations = (await query.Events.FetchStreamAsync(nodeId, token: cts.Token)).Select(e => e.Data).OfType<NodeRegistered>().ToList();
        var only = Assert.Single(registrations);
        Assert.Equal("real", only.Description.Hostname);
        Assert.Equal("worker", only.Description.Role);
        Assert.Equal(certificate.SerialNumber, only.Certificate!.Serial);
        Assert.Equal(Fingerprints.Sha256(ca.SigningRoot), only.Certificate.IssuerFingerprint);
        Assert.Equal(NodeRoles.Worker, only.Certificate.Role);
    }

    [SkippableFact]
    public async Task A_node_cannot_use_another_nodes_session_with_its_own_certificate()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var ca = new TestCa();
        await using var dispatcher = await TlsDispatcher.StartAsync(cluster, ca);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var victimId = Guid.NewGuid();
        var victimCertificate = ca.IssueNode(victimId);
        var victim = await dispatcher.RegisterAsync(victimCertificate, "victim", cts.Token);
        var (victimSession, _) = await TlsDispatcher.OpenSessionAsync(dispatcher.Agent(victimCertificate), victim.SessionId, cts.Token);
        var other = dispatcher.Agent(ca.IssueNode(Guid.NewGuid()));
        await dispatcher.RegisterAsync(ca.IssueNode(Guid.NewGuid()), "other", cts.Token);

        static async Task DeniedAsync(Func<Task> call)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        }

        await DeniedAsync(() => other.HeartbeatAsync(new HeartbeatRequest { SessionId = victim.SessionId }, cancellationToken: cts.Token).ResponseAsync);
        await DeniedAsync(() => other.UpdateTaskStatusAsync(new UpdateTaskStatusRequest
        {
            SessionId = victim.SessionId,
            Updates = { new TaskStatusUpdate { TaskId = Guid.NewGuid().ToString(), State = TaskState.Running } },
        }, cancellationToken: cts.Token).ResponseAsync);
        await DeniedAsync(async () =>
        {
            using var stream = other.Session(new SessionRequest { SessionId = victim.SessionId }, cancellationToken: cts.Token);
            await stream.ResponseStream.MoveNext(cts.Token);
        });
        await DeniedAsync(async () =>
        {
            using var logs = other.PublishLogs(cancellationToken: cts.Token);
            await logs.RequestStream.WriteAsync(new PublishLogsMessage { SessionId = victim.SessionId, SubscriptionId = "s1", Close = true }, cts.Token);
            await logs.RequestStream.CompleteAsync();
            await logs;
        });

        // the victim's stream was not taken over: it is still the session's, and its heartbeats pass
        var sessions = dispatcher.App.Services.GetRequiredService<SessionRegistry>();
        Assert.False(sessions.Find(victim.SessionId)!.IsClosed);
        await dispatcher.Agent(victimCertificate).HeartbeatAsync(new HeartbeatRequest { SessionId = victim.SessionId }, cancellationToken: cts.Token);
        victimSession.Dispose();
    }

    [SkippableFact]
    public async Task The_plain_http_endpoint_serves_no_grpc_call()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var ca = new TestCa();
        // HTTP/2 without TLS on the plain endpoint, so that a gRPC client could reach the service there at all
        await using var dispatcher = await TlsDispatcher.StartAsync(cluster, ca, new() { ["Kestrel:Endpoints:Http:Protocols"] = "Http2" });
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{dispatcher.HttpPort}");

        var roots = await Assert.ThrowsAsync<RpcException>(() => new NodeCA.NodeCAClient(channel).GetRootCACertificateAsync(new GetRootCACertificateRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, roots.StatusCode);
        var join = await Assert.ThrowsAsync<RpcException>(() => new NodeCA.NodeCAClient(channel).IssueNodeCertificateAsync(
            new IssueNodeCertificateRequest { Token = TestCa.GoodToken, Csr = Google.Protobuf.ByteString.CopyFrom(RootCa.NewKeyAndRequest().CsrDer) }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, join.StatusCode);
        var register = await Assert.ThrowsAsync<RpcException>(() => new Swarm.Dispatcher.Api.Dispatcher.DispatcherClient(channel).RegisterAsync(new RegisterRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, register.StatusCode);

        // over TLS the same call is served
        var served = await dispatcher.NodeCa(null).GetRootCACertificateAsync(new GetRootCACertificateRequest());
        Assert.Equal(ca.SigningRoot.RawData, served.Roots[0].ToByteArray());

        // and the plain endpoint still serves what it is for (here over HTTP/2 without TLS)
        using var http = new HttpClient();
        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{dispatcher.HttpPort}/raft/status"))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var status = await http.SendAsync(get);
        Assert.True(status.IsSuccessStatusCode, status.ToString());
    }

    [SkippableFact]
    public async Task The_dispatcher_refuses_to_start_with_an_agent_endpoint_or_a_leader_address_without_tls()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var ca = new TestCa();
        var port = LoopbackPorts.Free();
        var plain = await Assert.ThrowsAsync<InvalidOperationException>(() => TlsDispatcher.StartAsync(cluster, ca, new()
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{port}",
        }));
        Assert.Contains("Kestrel:Endpoints:Grpc:Url", plain.Message);
        Assert.Contains("must be https://", plain.Message);

        var leader = await Assert.ThrowsAsync<InvalidOperationException>(() => TlsDispatcher.StartAsync(cluster, ca, new()
        {
            ["Dispatcher:Raft:Self"] = $"127.0.0.1:{LoopbackPorts.Free()}",
            ["Dispatcher:Raft:Peers:0"] = $"127.0.0.1:{LoopbackPorts.Free()}",
            ["Dispatcher:Raft:AgentAddresses:0"] = $"http://127.0.0.1:{port}",
        }));
        Assert.Contains("AgentAddresses", leader.Message);
    }
}
