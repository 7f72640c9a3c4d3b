using Swarm.Dispatcher.Tests.Security;
using Grpc.Core;
using Marten;
using Swarm.Contracts.Events;
using Swarm.Dispatcher.Api;
using Swarm.Testing;

namespace Swarm.IntegrationTests.DispatcherSecurity;

/// <summary>A removed node: its open session ends at once and every later call with its certificate is refused.</summary>
public sealed class RevocationTests
{
    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_removed_node_loses_its_session_and_every_later_call_is_refused(bool byMessage)
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var ca = new TestCa();
        await using var dispatcher = await TlsDispatcher.StartAsync(cluster, ca, byMessage
            // only the NodeRemoved message can do it: the read model is read again after the test
            ? new() { ["Dispatcher:RevocationRefreshSeconds"] = "600" }
            // no relay, so no message: the periodic read of the node read model does it
            : new() { ["Swarm:Relay"] = "false", ["Dispatcher:RevocationRefreshSeconds"] = "0.5" });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var nodeId = Guid.NewGuid();
        var certificate = ca.IssueNode(nodeId);
        var registered = await dispatcher.RegisterAsync(certificate, "doomed", cts.Token);
        var agent = dispatcher.Agent(certificate);
        var (session, _) = await TlsDispatcher.OpenSessionAsync(agent, registered.SessionId, cts.Token);

        await using (var write = dispatcher.Store.LightweightSession())
        {
            write.Events.Append(nodeId, new NodeRemoved { NodeId = nodeId, Hostname = "doomed", Forced = true, At = DateTimeOffset.UtcNow });
            await write.SaveChangesAsync(cts.Token);
        }

        // the open stream ends, saying why
        using var ended = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var streamEnd = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await session.ResponseStream.MoveNext(ended.Token))
            {
            }
        });
        Assert.Equal(StatusCode.PermissionDenied, streamEnd.StatusCode);
        Assert.Equal($"node {nodeId} was removed from the cluster", streamEnd.Status.Detail);
        session.Dispose();

        foreach (var call in new Func<Task>[]
        {
            () => agent.HeartbeatAsync(new HeartbeatRequest { SessionId = registered.SessionId }, cancellationToken: cts.Token).ResponseAsync,
            () => agent.RegisterAsync(new RegisterRequest { Description = new NodeDescription { Hostname = "doomed" } }, cancellationToken: cts.Token).ResponseAsync,
            () => dispatcher.NodeCa(certificate).RenewNodeCertificateAsync(
                new RenewNodeCertificateRequest { Csr = Google.Protobuf.ByteString.CopyFrom(Swarm.Security.RootCa.NewKeyAndRequest().CsrDer) }, cancellationToken: cts.Token).ResponseAsync,
        })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
            Assert.Equal($"node {nodeId} was removed from the cluster", refused.Status.Detail);
        }
    }
}
