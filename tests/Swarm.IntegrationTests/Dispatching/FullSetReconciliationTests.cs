using Grpc.Core;
using Grpc.Net.Client;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
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
/// messages never arrive (no relay publishes the log): the periodic full set carries them instead.
/// </summary>
public sealed class FullSetReconciliationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task An_assignment_and_a_stop_order_whose_messages_were_lost_reach_the_agent_session_through_the_periodic_full_set()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        var port = LoopbackPorts.Free();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(cluster.Settings("dispatcher"));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // nothing relays the log to the bus: TasksAssigned and TaskDesiredStateChanged are never delivered
            ["Swarm:Relay"] = "false",
            ["Dispatcher:FullSetSeconds"] = "0.5",
            // the test sends no heartbeats: the node stays ready for 30 s
            ["Dispatcher:HeartbeatPeriodSeconds"] = "10",
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        });
        TestHosts.Quiet(builder.Logging);
        builder.AddDispatcher();
        TestHosts.WaitForTheBus(builder.Services);
        await using var app = builder.Build();
        app.MapDispatcher();
        await app.StartAsync();
        using var store = DocumentStore.For(o => SwarmStoreOptions.Configure(o, cluster.PostgresConnection, cluster.Schema, applySchema: false));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var client = new Dispatcher.Api.Dispatcher.DispatcherClient(channel);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            // the single replica leads once it has fenced the log with its term
            var registered = await Eventually.WaitAsync(async () =>
            {
                try
                {
                    return await client.RegisterAsync(new RegisterRequest { Description = new Dispatcher.Api.NodeDescription { Hostname = "lost-messages", Executor = "sim" } }, cancellationToken: cts.Token);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
                {
                    return null;
                }
            }, r => r is not null, Timeout, "registration with the leader");
            var nodeId = Guid.Parse(registered!.NodeId);
            using var session = client.Session(new SessionRequest { SessionId = registered.SessionId }, cancellationToken: cts.Token);
            var messages = session.ResponseStream;

            var first = await NextAssignmentsAsync(messages, cts.Token);
            Assert.Equal(AssignmentsMessage.Types.Type.Complete, first.Type);
            Assert.Empty(first.Tasks);

            // assigned in the log only
            var taskId = Guid.NewGuid();
            var at = DateTimeOffset.UtcNow;
            await using (var write = store.LightweightSession())
            {
                write.Events.StartStream<SwarmTask>(taskId,
                    new TaskCreated { TaskId = taskId, ServiceId = Guid.NewGuid(), ServiceName = "lost", Slot = 1, Attempt = 1, DesiredState = ModelDesiredState.Running, CreatedAt = at },
                    new TaskAllocated { TaskId = taskId, Address = "10.0.0.9", AllocatedAt = at },
                    new TaskAssigned { TaskId = taskId, NodeId = nodeId, AssignedAt = at });
                await write.SaveChangesAsync(cts.Token);
            }

            var assigned = await NextCompleteWithAsync(messages, taskId, cts.Token);
            Assert.Equal(ApiDesiredState.Running, assigned.DesiredState);
            Assert.Equal(nodeId.ToString(), assigned.NodeId);

            // told to shut down in the log only
            await using (var write = store.LightweightSession())
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
        finally
        {
            await app.StopAsync(CancellationToken.None);
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
}
