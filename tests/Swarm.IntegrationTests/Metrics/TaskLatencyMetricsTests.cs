using Swarm.Contracts.Model;
using Swarm.Dispatcher.Leadership;
using Swarm.Dispatcher.Tasks;
using Swarm.Testing;
using Swarm.IntegrationTests.Infrastructure;
using static Swarm.IntegrationTests.Infrastructure.SeededLog;

namespace Swarm.IntegrationTests.Metrics;

/// <summary><c>swarm.task.created_to_running</c> as the dispatcher records it when it writes an agent's reports.</summary>
public sealed class TaskLatencyMetricsTests
{
    [SkippableFact]
    public async Task A_task_written_running_records_the_seconds_from_its_creation_once()
    {
        await using var log = await SeededLog.CreateAsync();
        var service = $"latency-{Guid.NewGuid():N}";
        var created = DateTimeOffset.UtcNow.AddMinutes(-1);
        var node = await log.NodeAsync("worker-1", NodeStatus.Ready);
        var taskId = await log.TaskAsync(service, created, Allocated(created.AddMilliseconds(100)), Assigned(node, created.AddMilliseconds(200)));

        var state = new LeadershipState("test", clustered: false);
        state.StartServing(1, CancellationToken.None, afterLeaderChange: false, DateTimeOffset.UtcNow);
        var writer = new TaskStatusWriter(log.Store, new TermFence(state, log.Store, TimeProvider.System), TimeProvider.System);
        using var capture = new MetricCapture("Swarm.Dispatcher", TaskLatencyMetrics.CreatedToRunningName);

        ReportedStatus Report(TaskState s, double seconds) => new(taskId.ToString(), s, s.ToString().ToLowerInvariant(), null, null, created.AddSeconds(seconds));
        var refused = await writer.WriteAsync(node, [Report(TaskState.Accepted, 1), Report(TaskState.Starting, 2), Report(TaskState.Running, 2.5)], CancellationToken.None);
        Assert.Empty(refused);

        // the same report again (at-least-once delivery) and a later state change record nothing more
        await writer.WriteAsync(node, [Report(TaskState.Running, 2.5)], CancellationToken.None);
        await writer.WriteAsync(node, [Report(TaskState.Complete, 9)], CancellationToken.None);

        var recorded = Assert.Single(capture.Of(TaskLatencyMetrics.CreatedToRunningName), m => m.Tag(TaskLatencyMetrics.ServiceNameTag) == service);
        Assert.Equal(2.5, recorded.Value, 3);
    }
}
