using Swarm.Dispatcher.Tests.Security;
using System.Text.Json;
using Grpc.Core;
using Marten;
using Swarm.Contracts.Events;
using Swarm.Dispatcher;
using Swarm.Dispatcher.Api;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;
using ApiDesiredState = Swarm.Dispatcher.Api.DesiredState;
using ModelDesiredState = Swarm.Contracts.Model.DesiredState;

namespace Swarm.IntegrationTests.Dispatching;

/// <summary>
/// A dispatcher on the real log and broker, with an agent session over gRPC, whose assignment and stop
/// messages never arrive (no relay publishes the log): the full set carries them instead.
/// </summary>
public sealed class FullSetReconciliationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task An_assignment_and_a_stop_order_whose_messages_were_lost_reach_the_agent_session_through_the_periodic_full_set()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var dispatcher = await RunningDispatcher.StartAsync(cluster, fullSetSeconds: 0.5);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var (nodeId, messages) = await dispatcher.OpenSessionAsync(cts.Token);

        var taskId = await dispatcher.AssignInTheLogOnlyAsync(nodeId, cts.Token);
        var assigned = await NextCompleteWithAsync(messages, taskId, cts.Token);
        Assert.Equal(ApiDesiredState.Running, assigned.DesiredState);
        Assert.Equal(nodeId.ToString(), assigned.NodeId);

        // told to shut down in the log only
        await using (var write = dispatcher.Store.LightweightSession())
        {
            write.Events.Append(taskId, new TaskDesiredStateChanged { TaskId = taskId, NodeId = nodeId, DesiredState = ModelDesiredState.Shutdown, Reason = "removed", At = DateTimeOffset.UtcNow });
            await write.SaveChangesAsync(cts.Token);
        }

        Assignment stop;
        do
        {
            stop = await NextCompleteWithAsync(messages, taskId, cts.Token);
        }
        while (stop.DesiredState != ApiDesiredState.Shutdown);
    }

    [SkippableFact]
    public async Task When_the_broker_connection_drops_the_sessions_get_their_full_set_at_once_rather_than_at_the_end_of_the_period()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        // a period far longer than the test: only the reconnection can cause the full set
        await using var dispatcher = await RunningDispatcher.StartAsync(cluster, fullSetSeconds: 600);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var (nodeId, messages) = await dispatcher.OpenSessionAsync(cts.Token);

        // assigned while the connection is down: its message is lost with the temporary queue
        var taskId = await dispatcher.AssignInTheLogOnlyAsync(nodeId, cts.Token);
        await CloseConnectionsAsync(cluster);

        var assigned = await NextCompleteWithAsync(messages, taskId, cts.Token);
        Assert.Equal(ApiDesiredState.Running, assigned.DesiredState);
    }

    [SkippableFact]
    public async Task The_full_sets_of_several_nodes_are_read_in_one_query_with_only_their_non_terminal_tasks()
    {
        await using var log = await SeededLog.CreateAsync();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        var nodeA = await log.NodeAsync("worker-a", Contracts.Model.NodeStatus.Ready);
        var nodeB = await log.NodeAsync("worker-b", Contracts.Model.NodeStatus.Ready);
        var nodeC = await log.NodeAsync("worker-c", Contracts.Model.NodeStatus.Ready);
        var onA = await log.TaskAsync("sets", at, SeededLog.Allocated(at), SeededLog.Assigned(nodeA, at));
        var runningOnB = await log.TaskAsync("sets", at, SeededLog.Allocated(at), SeededLog.Assigned(nodeB, at), SeededLog.Reported(nodeB, Contracts.Model.TaskState.Running, at));
        await log.TaskAsync("sets", at, SeededLog.Allocated(at), SeededLog.Assigned(nodeA, at), SeededLog.Reported(nodeA, Contracts.Model.TaskState.Complete, at));
        await log.TaskAsync("sets", at, SeededLog.Allocated(at), SeededLog.Assigned(nodeC, at));

        await using var query = log.Store.QuerySession();
        var tasks = await Dispatcher.Tasks.NodeTasks.ReadAsync(query, [nodeA, nodeB], CancellationToken.None);

        Assert.Equal(new[] { onA, runningOnB }.Order(), tasks.Select(t => t.Id).Order());
    }

    /// <summary>Closes every client connection to the cluster's vhost (the broker itself keeps running).</summary>
    private static async Task CloseConnectionsAsync(IsolatedCluster cluster)
    {
        using var api = TestInfrastructure.ManagementClient();
        var names = await Eventually.WaitAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await api.GetStringAsync($"api/vhosts/{Uri.EscapeDataString(cluster.VHost)}/connections"));
            return doc.RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        }, n => n.Count > 0, Timeout, "the dispatcher's broker connection");
        foreach (var name in names)
        {
            (await api.DeleteAsync($"api/connections/{Uri.EscapeDataString(name)}")).EnsureSuccessStatusCode();
        }
    }

    private static async Task<AssignmentsMessage> NextAssignmentsAsync(IAsyncStreamReader<SessionMessage> messages, CancellationToken cancellationToken)
    {
        while (await messages.MoveNext(cancellationToken))
        {
            if (messages.Current.Assignments is { } assignments)
            {
                return assignments;
            }
        }

        throw new InvalidOperationException("the session stream ended");
    }

    /// <summary>The task as the next COMPLETE set that lists it has it (bounded by the test's token).</summary>
    private static async Task<Assignment> NextCompleteWithAsync(IAsyncStreamReader<SessionMessage> messages, Guid taskId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = await NextAssignmentsAsync(messages, cancellationToken);
            if (next.Type == AssignmentsMessage.Types.Type.Complete && next.Tasks.FirstOrDefault(t => t.TaskId == taskId.ToString()) is { } task)
            {
                return task;
            }
        }
    }

    /// <summary>One dispatcher replica in this process, its gRPC API on a loopback port, with no relay.</summary>
    private sealed class RunningDispatcher : IAsyncDisposable
    {
        private readonly DispatcherSecurity.TlsDispatcher _dispatcher;
        private readonly TestCa _ca;
        private readonly List<IDisposable> _calls = [];

        private RunningDispatcher(DispatcherSecurity.TlsDispatcher dispatcher, TestCa ca, DocumentStore store)
        {
            _dispatcher = dispatcher;
            _ca = ca;
            Store = store;
            // over mutual TLS, as the node the certificate names
            Client = dispatcher.Agent(ca.IssueNode(Guid.NewGuid()));
        }

        public DocumentStore Store { get; }

        public Dispatcher.Api.Dispatcher.DispatcherClient Client { get; }

        public static async Task<RunningDispatcher> StartAsync(IsolatedCluster cluster, double fullSetSeconds)
        {
            var ca = new TestCa();
            var dispatcher = await DispatcherSecurity.TlsDispatcher.StartAsync(cluster, ca, new Dictionary<string, string?>
            {
                // nothing relays the log to the bus: TasksAssigned and TaskDesiredStateChanged are never delivered
                ["Swarm:Relay"] = "false",
                ["Dispatcher:FullSetSeconds"] = fullSetSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // the test sends no heartbeats: the node stays ready for 60 s
                ["Dispatcher:HeartbeatPeriodSeconds"] = "20",
            });
            var store = DocumentStore.For(o => SwarmStoreOptions.Configure(o, cluster.PostgresConnection, cluster.Schema, applySchema: false));
            return new RunningDispatcher(dispatcher, ca, store);
        }

        /// <summary>Registers a node (once this replica leads) and opens its session; the first COMPLETE set is empty.</summary>
        public async Task<(Guid NodeId, IAsyncStreamReader<SessionMessage> Messages)> OpenSessionAsync(CancellationToken cancellationToken)
        {
            var registered = await Eventually.WaitAsync(async () =>
            {
                try
                {
                    return await Client.RegisterAsync(new RegisterRequest { Description = new Dispatcher.Api.NodeDescription { Hostname = "lost-messages", Executor = "sim" } }, cancellationToken: cancellationToken);
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.Unavailable)
                {
                    return null;
                }
            }, r => r is not null, Timeout, "registration with the leader");
            var session = Client.Session(new SessionRequest { SessionId = registered!.SessionId }, cancellationToken: cancellationToken);
            _calls.Add(session);
            var first = await NextAssignmentsAsync(session.ResponseStream, cancellationToken);
            Assert.Equal(AssignmentsMessage.Types.Type.Complete, first.Type);
            Assert.Empty(first.Tasks);
            return (Guid.Parse(registered.NodeId), session.ResponseStream);
        }

        /// <summary>A task assigned to the node in the log, with no message on the bus.</summary>
        public async Task<Guid> AssignInTheLogOnlyAsync(Guid nodeId, CancellationToken cancellationToken)
        {
            var taskId = Guid.NewGuid();
            var at = DateTimeOffset.UtcNow;
            await using var write = Store.LightweightSession();
            write.Events.StartStream<SwarmTask>(taskId,
                new TaskCreated { TaskId = taskId, ServiceId = Guid.NewGuid(), ServiceName = "lost", Slot = 1, Attempt = 1, DesiredState = ModelDesiredState.Running, CreatedAt = at },
                new TaskAllocated { TaskId = taskId, Address = "10.0.0.9", AllocatedAt = at },
                new TaskAssigned { TaskId = taskId, NodeId = nodeId, AssignedAt = at });
            await write.SaveChangesAsync(cancellationToken);
            return taskId;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var call in _calls)
            {
                call.Dispose();
            }

            await _dispatcher.DisposeAsync();
            _ca.Dispose();
            Store.Dispose();
        }
    }
}
