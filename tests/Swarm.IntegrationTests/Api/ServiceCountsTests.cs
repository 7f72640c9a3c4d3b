using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Services;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.IntegrationTests.Infrastructure;
using static Swarm.IntegrationTests.Infrastructure.SeededLog;

namespace Swarm.IntegrationTests.Api;

/// <summary><c>service ls</c> counts from narrow queries on the real read model.</summary>
public sealed class ServiceCountsTests
{
    [SkippableFact]
    public async Task Counts_match_what_the_whole_task_documents_say()
    {
        await using var log = await SeededLog.CreateAsync();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        var node = await log.NodeAsync("worker-1", NodeStatus.Ready);
        Func<Guid, object> Desired(DesiredState d) => id => new TaskDesiredStateChanged { TaskId = id, DesiredState = d, Reason = "test", At = at };

        // web: 2 running, 1 running but told to shut down, 1 pending, 1 failed
        await log.TaskAsync("web", at, Allocated(at), Assigned(node, at), Reported(node, TaskState.Running, at));
        await log.TaskAsync("web", at, Allocated(at), Assigned(node, at), Reported(node, TaskState.Running, at));
        await log.TaskAsync("web", at, Allocated(at), Assigned(node, at), Reported(node, TaskState.Running, at), Desired(DesiredState.Shutdown));
        await log.TaskAsync("web", at, Allocated(at));
        await log.TaskAsync("web", at, Allocated(at), Assigned(node, at), Reported(node, TaskState.Failed, at));

        // job: 2 complete (spec version 0, the service's), 1 waiting out a restart delay (desired ready)
        await log.TaskAsync("job", at, Allocated(at), Assigned(node, at), Reported(node, TaskState.Complete, at));
        await log.TaskAsync("job", at, Allocated(at), Assigned(node, at), Reported(node, TaskState.Complete, at));
        await log.TaskAsync("job", at, Desired(DesiredState.Ready));

        await using var query = log.Store.QuerySession();
        var services = new[] { new Service { Id = log.ServiceId("web"), Name = "web" }, new Service { Id = log.ServiceId("job"), Name = "job" } };
        var counts = await ServiceQueries.CountsAsync(query, services, CancellationToken.None);

        Assert.Equal(new TaskCounts(2, 3, 0), counts[log.ServiceId("web")]);
        Assert.Equal(new TaskCounts(0, 1, 2), counts[log.ServiceId("job")]);
    }
}
