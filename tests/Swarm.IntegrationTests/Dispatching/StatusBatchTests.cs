using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Dispatcher.Leadership;
using Swarm.Dispatcher.Tasks;
using Swarm.Domain.Tasks;
using Swarm.IntegrationTests.Infrastructure;
using static Swarm.IntegrationTests.Infrastructure.SeededLog;

namespace Swarm.IntegrationTests.Dispatching;

/// <summary>Agents' status reports of many nodes written together, on the real log.</summary>
public sealed class StatusBatchTests
{
    private static TaskStatusWriter Writer(SeededLog log)
    {
        var state = new LeadershipState("test", clustered: false);
        state.StartServing(1, CancellationToken.None, afterLeaderChange: false, DateTimeOffset.UtcNow);
        return new TaskStatusWriter(log.Store, new TermFence(state, log.Store, TimeProvider.System), TimeProvider.System);
    }

    private static ReportedStatus Report(Guid task, TaskState state, DateTimeOffset at) => new(task.ToString(), state, state.ToString().ToLowerInvariant(), null, null, at);

    [SkippableFact]
    public async Task Reports_of_several_nodes_are_one_transaction_with_one_event_per_task_and_another_nodes_task_is_refused()
    {
        await using var log = await SeededLog.CreateAsync();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        var nodeA = await log.NodeAsync("worker-a", NodeStatus.Ready);
        var nodeB = await log.NodeAsync("worker-b", NodeStatus.Ready);
        var onA = await log.TaskAsync("batched", at, Allocated(at), Assigned(nodeA, at));
        var onB = await log.TaskAsync("batched", at, Allocated(at), Assigned(nodeB, at));

        var refused = await Writer(log).WriteManyAsync(
            [
                new NodeReports(nodeA, [Report(onA, TaskState.Accepted, at.AddSeconds(1)), Report(onA, TaskState.Preparing, at.AddSeconds(2)), Report(onA, TaskState.Running, at.AddSeconds(3))]),
                new NodeReports(nodeB, [Report(onB, TaskState.Accepted, at.AddSeconds(1)), Report(onA, TaskState.Failed, at.AddSeconds(4)), Report(onB, TaskState.Running, at.AddSeconds(2))]),
            ],
            CancellationToken.None);

        // node B may not report on node A's task: refused to B, and A's task is untouched by it
        Assert.Empty(refused[0]);
        var refusal = Assert.Single(refused[1]);
        Assert.Equal(onA.ToString(), refusal.TaskId);
        Assert.Contains("may not report", refusal.Reason, StringComparison.Ordinal);

        await using var query = log.Store.QuerySession();
        var eventsA = await query.Events.FetchStreamAsync(onA);
        var eventsB = await query.Events.FetchStreamAsync(onB);
        var statusA = Assert.Single(eventsA.Select(e => e.Data).OfType<TaskStatusChanged>());
        var statusB = Assert.Single(eventsB.Select(e => e.Data).OfType<TaskStatusChanged>());
        Assert.Equal(TaskState.Running, statusA.State);
        Assert.Equal([TaskState.Accepted, TaskState.Preparing], statusA.Passed!.Select(p => p.State));
        Assert.Equal(TaskState.Running, statusB.State);

        // both in one transaction: the rows were written by the same PostgreSQL transaction (xmin)
        var a = eventsA.Single(e => e.Data is TaskStatusChanged);
        var b = eventsB.Single(e => e.Data is TaskStatusChanged);
        await using (var connection = log.Store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"select count(distinct xmin::text) from {log.Store.Options.Events.DatabaseSchemaName}.mt_events where seq_id in ({a.Sequence}, {b.Sequence})";
            Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
        }

        var taskA = await query.LoadAsync<SwarmTask>(onA);
        Assert.Equal(TaskState.Running, taskA!.State);
        Assert.Equal(at.AddSeconds(3), taskA.StartedAt);
    }

    [SkippableFact]
    public async Task The_batcher_gives_each_caller_its_own_refusals()
    {
        await using var log = await SeededLog.CreateAsync();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        var nodeA = await log.NodeAsync("worker-a", NodeStatus.Ready);
        var nodeB = await log.NodeAsync("worker-b", NodeStatus.Ready);
        var tasks = new List<(Guid Node, Guid Task)>();
        for (var i = 0; i < 20; i++)
        {
            var node = i % 2 == 0 ? nodeA : nodeB;
            tasks.Add((node, await log.TaskAsync("batcher", at, Allocated(at), Assigned(node, at))));
        }

        await using var batcher = new StatusBatcher(Writer(log), Microsoft.Extensions.Logging.Abstractions.NullLogger<StatusBatcher>.Instance);
        {
            // every task reported by its own node, and each node also reports one of the other's
            var calls = tasks.Select(t => batcher.WriteAsync(t.Node, [Report(t.Task, TaskState.Running, at.AddSeconds(1))], CancellationToken.None)).ToList();
            var wrong = batcher.WriteAsync(nodeB, [Report(tasks[0].Task, TaskState.Complete, at.AddSeconds(2))], CancellationToken.None);
            var results = await Task.WhenAll(calls);

            Assert.All(results, Assert.Empty);
            Assert.Single(await wrong);
            await using var query = log.Store.QuerySession();
            var running = await query.Query<SwarmTask>().Where(t => t.ServiceName == "batcher" && t.State == TaskState.Running).CountAsync();
            Assert.Equal(20, running);
        }
    }
}
