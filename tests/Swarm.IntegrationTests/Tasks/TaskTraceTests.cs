using Swarm.ControlApi.Tasks;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.Testing;
using Swarm.IntegrationTests.Infrastructure;
using static Swarm.IntegrationTests.Infrastructure.SeededLog;

namespace Swarm.IntegrationTests.Tasks;

/// <summary><c>GET /api/tasks/{id}/trace</c> as the control API reads it from a task's stream in the real log.</summary>
public sealed class TaskTraceTests
{
    [SkippableFact]
    public async Task A_reaped_task_is_traced_from_its_stream_with_step_times_durations_and_writers()
    {
        await using var log = await SeededLog.CreateAsync();
        var created = DateTimeOffset.UtcNow.AddMinutes(-5);
        var node = await log.NodeAsync("worker-1", NodeStatus.Ready);
        var taskId = await log.TaskAsync("web", created,
            Allocated(created.AddSeconds(0.05)),
            Assigned(node, created.AddSeconds(0.1)),
            Reported(node, TaskState.Accepted, created.AddSeconds(0.3)),
            Reported(node, TaskState.Running, created.AddSeconds(1)));

        // a writer that stamps its name: the header wins over the event type's usual writer
        await using (var session = log.Store.LightweightSession())
        {
            session.SetHeader(TraceContext.ComponentHeader, "orchestrator-b");
            session.Events.Append(taskId,
                new TaskDesiredStateChanged { TaskId = taskId, DesiredState = DesiredState.Shutdown, Reason = "scaled down", At = created.AddSeconds(10) },
                new TaskReaped { TaskId = taskId, Reason = "history limit", At = created.AddSeconds(12) });
            await session.SaveChangesAsync();
        }

        await using var query = log.Store.QuerySession();
        Assert.Null(await query.LoadAsync<SwarmTask>(taskId));
        var found = await TaskQueries.FindAsync(query, taskId.ToString(), CancellationToken.None);
        var trace = await TaskQueries.TraceAsync(query, found.Value!, CancellationToken.None);

        Assert.Equal("web.1", trace.Name);
        Assert.Equal(["created", "allocated", "assigned", "accepted", "running", "desired_shutdown", "removed"], trace.Steps.Select(s => s.Step));
        Assert.Equal(["orchestrator", "allocator", "scheduler", "dispatcher", "dispatcher", "orchestrator-b", "orchestrator-b"], trace.Steps.Select(s => s.Component));
        Assert.Equal([0, 0.05, 0.1, 0.3, 1, 10, 12], trace.Steps.Select(s => s.SinceCreated));
        Assert.Equal([0.05, 0.05, 0.2, 0.7, 9, 2, null], trace.Steps.Select(s => s.Duration));
        Assert.Equal("worker-1", trace.Steps[2].Node);
        Assert.Null(trace.Steps[2].ReportedBy);
        Assert.Equal("worker-1", trace.Steps[4].ReportedBy);
        Assert.Equal(12, trace.Total);
    }
}
