using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Scheduler;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Metrics;

public sealed class SchedulingMetricsTests
{
    [Fact]
    public void Scheduling_latency_runs_from_allocation_or_else_from_creation()
    {
        var created = DateTimeOffset.UtcNow;
        var task = new SwarmTask { CreatedAt = created };

        Assert.Equal(3, SchedulingMetrics.SecondsToAssign(task, created.AddSeconds(3)), 3);
        Assert.Equal(0.25, SchedulingMetrics.SecondsToAssign(task with { AllocatedAt = created.AddSeconds(2.75) }, created.AddSeconds(3)), 3);
    }

    [SkippableFact]
    public async Task Each_task_the_scheduler_places_records_its_latency()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("node-a");
        using var capture = new MetricCapture(SchedulingMetrics.MeterName, SchedulingMetrics.LatencyName);

        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = new ServiceSpec { Name = "timed", Replicas = 3, Command = ["sleep", "3600"] } })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 3 && t.All(x => x.State == TaskState.Assigned), TimeSpan.FromSeconds(30), "3 assigned tasks");

        // the scheduler records after its commit, so a reader can see the tasks assigned a moment before the
        // latencies exist; other tests place tasks in this process too: at least these three are recorded
        var latencies = await Eventually.WaitAsync(() => Task.FromResult(capture.Of(SchedulingMetrics.LatencyName)), l => l.Count >= 3, TimeSpan.FromSeconds(10), "3 latencies recorded");
        Assert.All(latencies, m => Assert.InRange(m.Value, 0, 30));
    }
}
