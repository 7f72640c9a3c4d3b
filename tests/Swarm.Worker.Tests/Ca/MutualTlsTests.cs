using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Dispatcher.Api;
using Swarm.Security;
using Swarm.Worker.Agent;
using Swarm.Worker.Ca;
using Swarm.Worker.Tests.Agent;

namespace Swarm.Worker.Tests.Ca;

/// <summary>The agent against a dispatcher and CA in process, over real TLS on loopback.</summary>
public sealed class MutualTlsTests : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly List<IDisposable> _disposables = [];
    private readonly string _dir = TestCa.TempDir();

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    private RootCa NewCa()
    {
        var ca = TestCa.Create(DateTimeOffset.UtcNow);
        _disposables.Add(ca);
        return ca;
    }

    private async Task<TestDispatcher> StartAsync(RootCa ca, RootCa? presenting = null, RootCa? serving = null)
    {
        var server = await TestDispatcher.StartAsync(ca, TestCa.Dispatcher(presenting ?? ca, DateTimeOffset.UtcNow), serving is null ? null : [serving.Certificate]);
        _servers.Add(server);
        return server;
    }

    private static NodeJoin Join(TestDispatcher dispatcher, JoinToken token) => new([dispatcher.Address], token, TimeProvider.System, NullLogger.Instance);

    [Fact]
    public async Task Joining_gets_a_certificate_of_the_CA_the_token_pins()
    {
        var ca = NewCa();
        var dispatcher = await StartAsync(ca);

        var issued = await Join(dispatcher, dispatcher.Token).RequestAsync("n1", CancellationToken.None);

        Assert.Equal(["node-1"], dispatcher.Joins);
        Assert.Equal(new CertificateIdentity("node-1", NodeRoles.Worker, TestCa.ClusterId), issued.Identity);
        Assert.Equal([ca.Certificate.Thumbprint], issued.Roots.Select(r => r.Thumbprint));
        Assert.True(issued.Certificate.HasPrivateKey);
    }

    [Fact]
    public async Task A_man_in_the_middle_with_another_CA_never_sees_the_token()
    {
        var cluster = NewCa();
        var attacker = NewCa();
        var token = JoinToken.Create(cluster.Certificate);

        // the impostor serves its own root
        var impostor = await StartAsync(attacker);
        var refused = await Assert.ThrowsAsync<JoinRefusedException>(() => Join(impostor, token).RequestAsync("n1", CancellationToken.None));
        Assert.Contains("serves no root matching the join token", refused.Message);

        // the impostor serves the cluster's genuine root (it is public) but cannot present a certificate of it
        var relay = await StartAsync(attacker, serving: cluster);
        refused = await Assert.ThrowsAsync<JoinRefusedException>(() => Join(relay, token).RequestAsync("n1", CancellationToken.None));
        Assert.Contains("is not of the cluster the join token names", refused.Message);

        Assert.Empty(impostor.Joins);
        Assert.Empty(relay.Joins);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_without_retrying()
    {
        var ca = NewCa();
        var dispatcher = await StartAsync(ca);
        var wrong = JoinToken.Create(ca.Certificate);

        var refused = await Assert.ThrowsAsync<JoinRefusedException>(() => Join(dispatcher, wrong).RequestAsync("n1", CancellationToken.None));

        Assert.Contains("refused the join token", refused.Message);
        Assert.Empty(dispatcher.Joins);
    }

    private async Task<(NodeAgent Agent, NodeCredentials Credentials, DispatcherEndpoints Endpoints)> JoinedAgentAsync(TestDispatcher dispatcher, FakeExecutor? executor = null)
    {
        var credentials = NodeCredentials.Create(_dir, await Join(dispatcher, dispatcher.Token).RequestAsync("n1", CancellationToken.None));
        var endpoints = new DispatcherEndpoints([dispatcher.Address], a => DispatcherChannels.Mutual(a, credentials, TimeProvider.System, NullLogger.Instance, "n1"));
        _disposables.Add(endpoints);
        var agent = new NodeAgent(new AgentSettings { Hostname = "n1", StateDir = _dir }, credentials, endpoints, executor ?? new FakeExecutor(),
            TimeProvider.System, NullLogger.Instance);
        return (agent, credentials, endpoints);
    }

    [Fact]
    public async Task Renewal_swaps_the_certificate_without_ending_the_session()
    {
        var ca = NewCa();
        var dispatcher = await StartAsync(ca);
        // renewal is due between 1.5 and 2.4 s after issue
        dispatcher.Validity = TimeSpan.FromSeconds(3);
        var (agent, credentials, _) = await JoinedAgentAsync(dispatcher);
        var first = credentials.Current.Certificate.Thumbprint;

        using var stop = new CancellationTokenSource();
        var run = agent.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => dispatcher.OpenSessions == 1 && dispatcher.HeartbeatCertificates.Contains(first));
        await Eventually.HoldsAsync(() => credentials.Current.Certificate.Thumbprint != first);
        var renewed = credentials.Current.Certificate.Thumbprint;
        Assert.NotEmpty(dispatcher.Renewals);

        // heartbeats after the renewal present the new certificate, in the same session
        await Eventually.HoldsAsync(() => dispatcher.HeartbeatCertificates.Contains(renewed));
        Assert.Single(dispatcher.Registrations);
        Assert.Equal(1, dispatcher.OpenSessions);

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_node_removed_from_the_cluster_stops_its_tasks_and_its_agent()
    {
        var ca = NewCa();
        var dispatcher = await StartAsync(ca);
        dispatcher.Assigned.Add(new Assignment
        {
            TaskId = "task-1", ServiceId = "svc", ServiceName = "web", Slot = 1,
            DesiredState = DesiredState.Running, State = TaskState.Assigned, Spec = new TaskSpec(),
        });
        var executor = new FakeExecutor();
        var (agent, _, _) = await JoinedAgentAsync(dispatcher, executor);

        var run = agent.RunAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => executor.Started.ContainsKey("task-1"));
        dispatcher.Removed = true;

        await Assert.ThrowsAsync<NodeRemovedException>(() => run.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(executor.Stopped.ContainsKey("task-1"));
    }

    [Fact]
    public async Task The_values_of_the_session_complete_set_are_held_by_the_nodes_executor()
    {
        var ca = NewCa();
        var dispatcher = await StartAsync(ca);
        var spec = new TaskSpec();
        spec.Secrets.Add(new FileReference { Id = "s1", Name = "db-password", Target = "db", Mode = 0x124 });
        dispatcher.Assigned.Add(new Assignment
        {
            TaskId = "task-1", ServiceId = "svc", ServiceName = "web", Slot = 1,
            DesiredState = DesiredState.Running, State = TaskState.Assigned, Spec = spec,
        });
        dispatcher.Values.Add(new SecretValue { Id = "s1", Kind = "secret", Name = "db-password", Data = Google.Protobuf.ByteString.CopyFromUtf8("s3cr3t") });
        var executor = new FakeExecutor();
        var (agent, _, _) = await JoinedAgentAsync(dispatcher, executor);

        using var stop = new CancellationTokenSource();
        var run = agent.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => executor.Started.ContainsKey("task-1"));
        Assert.Equal(["s1"], executor.Secrets.Ids);
        Assert.Equal("s3cr3t"u8.ToArray(), executor.Secrets.CopyOf("s1", Swarm.Worker.Exec.Secrets.ValueKind.Secret));

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_node_whose_certificate_expired_before_it_could_renew_ends_its_agent()
    {
        var ca = NewCa();
        var dispatcher = await StartAsync(ca);
        dispatcher.Validity = TimeSpan.FromSeconds(3);
        dispatcher.RenewalsFail = true;
        var (agent, _, _) = await JoinedAgentAsync(dispatcher);

        var expired = await Assert.ThrowsAsync<NodeCertificateExpiredException>(() => agent.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("join token", expired.Message);
    }

    [Fact]
    public async Task The_agent_refuses_a_dispatcher_of_another_cluster_after_joining()
    {
        var ca = NewCa();
        var dispatcher = await StartAsync(ca);
        var (_, credentials, _) = await JoinedAgentAsync(dispatcher);
        // a server of another CA that would take the node's certificate
        var other = await StartAsync(NewCa(), serving: ca);
        using var endpoints = new DispatcherEndpoints([other.Address], a => DispatcherChannels.Mutual(a, credentials, TimeProvider.System, NullLogger.Instance, "n1"));

        var client = new Swarm.Dispatcher.Api.Dispatcher.DispatcherClient(endpoints);
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await client.RegisterAsync(new RegisterRequest(), deadline: DateTime.UtcNow.AddSeconds(10)));
        Assert.Empty(other.Registrations);
    }
}
