namespace Swarm.ScaleBench;

public sealed record Percentiles(double P50, double P95, double P99, double Max, int Count)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new(0, 0, 0, 0, 0);
        }

        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new(At(0.50), At(0.95), At(0.99), sorted[^1], sorted.Length);
    }
}

public sealed record BurstResult(
    int Tasks,
    int Reached,
    double SecondsToAllRunning,
    double PlacementsPerSecond,
    double TasksPerSecond,
    Percentiles LatencyMs,
    List<(double Seconds, int Running)> RunningOverTime,
    List<Hop> Hops,
    [property: System.Text.Json.Serialization.JsonIgnore] List<double> LatenciesMs)
{
    /// <summary>CPU used during the burst by each component, and by the whole machine.</summary>
    public List<CpuShare> Cpu { get; init; } = [];
}

/// <summary>CPU seconds a component used during the burst, and per task that reached RUNNING.</summary>
public sealed record CpuShare(string Name, double CpuSeconds, double MsPerTask);

public sealed record IdleResult(Percentiles SecondsToAllRunning, List<Hop> Hops);

public sealed record ChurnResult(int Seconds, int TasksHandled, double TasksPerSecond, Percentiles LatencyMs, List<Hop> Hops);

/// <summary>One step of a task's path (created → allocated → …) and how long tasks spent in it.</summary>
public sealed record Hop(string Name, double MedianMs, double P95Ms, double P99Ms);

public sealed record HeartbeatResult(int Nodes, int Seconds, double DispatcherCpuPercentOfOneCore, int NodesFalselyMarkedDown);

public sealed record ProcessResult(string Name, double CpuSeconds, double PeakRssMiB);

public sealed record BenchResults(
    BenchOptions Options,
    BurstResult Burst,
    IdleResult Idle,
    ChurnResult Churn,
    HeartbeatResult Heartbeat,
    List<ProcessResult> Processes,
    double EventsAppendedPerSecond,
    long RelayLagPeak,
    int QueueDepthPeak,
    int DuplicateRunningSlots,
    string Machine);
