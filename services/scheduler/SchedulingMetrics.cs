using System.Diagnostics.Metrics;
using JasperFx.Events;
using Marten.Events;
using Swarm.Contracts.Events;
using Swarm.Domain.Tasks;

namespace Swarm.Scheduler;

/// <summary>
/// <c>swarm.scheduler.latency</c>: per placed task, seconds from the allocator making it pending (or
/// from its creation, when it has no allocation time) to the scheduler assigning it a node.
/// </summary>
public static class SchedulingMetrics
{
    public const string MeterName = "Swarm.Scheduler";
    public const string LatencyName = "swarm.scheduler.latency";

    /// <summary>Buckets from 1 ms (a task placed in the round its allocation triggered) to 5 minutes (waiting for a node).</summary>
    public static readonly IReadOnlyList<double> Buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> Latency = Meter.CreateHistogram(
        LatencyName,
        unit: "s",
        description: "Seconds from a task's allocation (or creation) to its assignment to a node",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });

    /// <summary>Records every task of the committed round that was assigned a node in it.</summary>
    public static void RecordAssigned(IEnumerable<IEventStream<SwarmTask>> streams)
    {
        foreach (var stream in streams)
        {
            if (stream.Aggregate is { } task && stream.Events.Select(e => e.Data).OfType<TaskAssigned>().FirstOrDefault() is { } assigned)
            {
                Latency.Record(SecondsToAssign(task, assigned.AssignedAt));
            }
        }
    }

    /// <summary>Seconds from allocation (else creation) to <paramref name="assignedAt"/>, never negative.</summary>
    public static double SecondsToAssign(SwarmTask task, DateTimeOffset assignedAt) =>
        Math.Max(0, (assignedAt - (task.AllocatedAt ?? task.CreatedAt)).TotalSeconds);
}
