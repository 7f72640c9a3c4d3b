using System.Net;
using Google.Protobuf.WellKnownTypes;
using Swarm.Dispatcher.Api;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// The dispatcher's gRPC API spoken to directly, as an agent that misbehaves would: a node may only
/// report on its own tasks.
/// </summary>
public sealed class TaskStatusReportTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task A_node_reporting_on_another_nodes_task_is_refused_and_nothing_reaches_the_log()
    {
        await using var cluster = await RunningCluster.StartAsync();
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "web", replicas = 2, command = new[] { "sleep", "3600" } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");
            var tasks = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(x => x.Running) == 2, Timeout, "2 running tasks");
            var victim = tasks.First(t => t.Node == "worker-1");
            var owner = (await cluster.GetAsync("/api/nodes")).EnumerateArray().Single(n => n.GetProperty("hostname").GetString() == "worker-1").GetProperty("id").GetString();
            var statusEvents = await cluster.CountEventsAsync($"stream_id = '{Guid.Parse(victim.Id)}' and type = 'task_status_changed'");

            // a third node joins (with the worker token) and a session of its own, and reports worker-1's task as failed
            using var intruder = await TestNode.JoinAsync(cluster.DispatcherGrpcUrl(cluster.Dispatchers[0]), await cluster.JoinTokenAsync());
            var client = intruder.Dispatcher;
            var registered = await client.RegisterAsync(new RegisterRequest { Description = new NodeDescription { Hostname = "intruder", Role = "worker", Os = "linux" } });
            var report = new UpdateTaskStatusRequest { SessionId = registered.SessionId };
            foreach (var state in new[] { TaskState.Running, TaskState.Failed })
            {
                report.Updates.Add(new TaskStatusUpdate
                {
                    TaskId = victim.Id,
                    State = state,
                    Message = "forged by the intruder",
                    Error = state == TaskState.Failed ? "forged by the intruder" : "",
                    ExitCode = 137,
                    Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                });
            }

            var response = await client.UpdateTaskStatusAsync(report);
            output.WriteLine(response.ToString());

            Assert.Equal(2, response.Refused.Count);
            Assert.All(response.Refused, r =>
            {
                Assert.Equal(victim.Id, r.TaskId);
                Assert.Equal($"node {registered.NodeId} may not report on task {victim.Id}: it is assigned to {owner}", r.Reason);
            });

            // a state the protocol does not define is refused before anything else is decided
            var undefined = new UpdateTaskStatusRequest { SessionId = registered.SessionId };
            undefined.Updates.Add(new TaskStatusUpdate { TaskId = victim.Id, State = (TaskState)1, Message = "forged by the intruder", Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) });
            var refusedState = Assert.Single((await client.UpdateTaskStatusAsync(undefined)).Refused);
            Assert.Equal(victim.Id, refusedState.TaskId);
            Assert.Equal("1 is not a task state of the protocol", refusedState.Reason);

            // the log holds no status of the task from the intruder, and worker-1 still runs it
            Assert.Equal(statusEvents, await cluster.CountEventsAsync($"stream_id = '{Guid.Parse(victim.Id)}' and type = 'task_status_changed'"));
            Assert.Equal(0, await cluster.CountEventsAsync("data::text like '%forged by the intruder%'"));
            var after = (await cluster.TasksAsync("web")).Single(t => t.Id == victim.Id);
            Assert.True(after.Running && after.Node == "worker-1", $"task {after.Id} is {after.State} on {after.Node}");
            Assert.True(cluster.LiveTaskProcesses().ContainsKey(victim.Id), $"the process of task {victim.Id} is gone");
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }
}
