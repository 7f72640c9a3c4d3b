using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;
using Swarm.ControlApi.Metrics;
using Swarm.Contracts.Model;
using Swarm.EventStore.Queries;
using Swarm.Testing;
using Swarm.IntegrationTests.Infrastructure;
using static Swarm.IntegrationTests.Infrastructure.SeededLog;

namespace Swarm.IntegrationTests.Metrics;

/// <summary>The control API's read-model gauges count what the log's read models hold.</summary>
public sealed class ReadModelMetricsTests
{
    [SkippableFact]
    public async Task Gauges_report_tasks_by_state_and_service_pending_tasks_by_reason_and_nodes_by_status()
    {
        await using var log = await SeededLog.CreateAsync();
        var now = DateTimeOffset.UtcNow;
        var ready = await log.NodeAsync("ready-1", NodeStatus.Ready);
        await log.NodeAsync("ready-2", NodeStatus.Ready);
        await log.NodeAsync("gone", NodeStatus.Down);
        const string noMemory = "no suitable node (insufficient memory on 2 nodes)";

        await log.TaskAsync("web", now, Allocated(now), Assigned(ready, now), Reported(ready, TaskState.Running, now));
        await log.TaskAsync("web", now, Allocated(now), Assigned(ready, now), Reported(ready, TaskState.Running, now));
        await log.TaskAsync("web", now, Allocated(now), Assigned(ready, now), Reported(ready, TaskState.Failed, now));
        await log.TaskAsync("web", now);
        await log.TaskAsync("db", now, Allocated(now));
        await log.TaskAsync("db", now, Allocated(now), Unschedulable(noMemory));
        await log.TaskAsync("db", now, Allocated(now), Unschedulable(noMemory));

        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var capture = new MetricCapture(meters.Create(ReadModelMetrics.MeterName), ReadModelMetrics.TasksName, ReadModelMetrics.PendingName, ReadModelMetrics.NodesName);
        var metrics = new ReadModelMetrics(log.Store, meters, TimeProvider.System, NullLogger<ReadModelMetrics>.Instance);
        await metrics.RefreshAsync(CancellationToken.None);
        capture.Collect();

        var tasks = capture.Of(ReadModelMetrics.TasksName)
            .ToDictionary(m => (m.Tag(ReadModelMetrics.StateTag), m.Tag(ReadModelMetrics.ServiceTag)), m => m.Value);
        Assert.Equal(new Dictionary<(string?, string?), double>
        {
            [("running", "web")] = 2,
            [("failed", "web")] = 1,
            [("new", "web")] = 1,
            [("pending", "db")] = 3,
        }, tasks);

        var pending = capture.Of(ReadModelMetrics.PendingName).ToDictionary(m => m.Tag(ReadModelMetrics.ReasonTag)!, m => m.Value);
        Assert.Equal(new Dictionary<string, double> { [ReadModelCounts.WaitingForScheduler] = 2, [noMemory] = 2 }, pending);

        var nodes = capture.Of(ReadModelMetrics.NodesName).ToDictionary(m => m.Tag(ReadModelMetrics.NodeStatusTag)!, m => m.Value);
        Assert.Equal(new Dictionary<string, double> { ["unknown"] = 0, ["down"] = 1, ["ready"] = 2, ["disconnected"] = 0 }, nodes);
    }
}
