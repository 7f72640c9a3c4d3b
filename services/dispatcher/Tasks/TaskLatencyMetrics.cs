using System.Diagnostics.Metrics;
using JasperFx.Events;
using Marten.Events;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;

namespace Swarm.Dispatcher.Tasks;

/// <summary>
/// <c>swarm.task.created_to_running</c>: for each task reaching RUNNING, seconds from its creation
/// (the orchestrator's <c>CreatedAt</c>) to the running report, by service.
/// </summary>
public static class TaskLatencyMetrics
{
    public const string CreatedToRunningName = "swarm.task.created_to_running";
    public const string ServiceNameTag = Swarm.ServiceDefaults.Tracing.TaskTracing.ServiceName;

    /// <summary>Buckets from 50 ms (a warm, idle cluster) to 5 minutes (image pulls, restart delays).</summary>
    public static readonly IReadOnlyList<double> Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];

    private static readonly Meter Meter = new(DispatcherMetrics.MeterName);

    private static readonly Histogram<double> CreatedToRunning = Meter.CreateHistogram(
        CreatedToRunningName,
        unit: "s",
        description: "Seconds from a task's creation to its first RUNNING report",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });

    /// <summary>One task reached RUNNING at <paramref name="runningAt"/>.</summary>
    public static void RecordRunning(SwarmTask task, DateTimeOffset runningAt) =>
        CreatedToRunning.Record(
            Math.Max(0, (runningAt - task.CreatedAt).TotalSeconds),
            new KeyValuePair<string, object?>(ServiceNameTag, task.ServiceName));
}
