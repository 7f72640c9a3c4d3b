using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Swarm.ScaleBench;

/// <summary>Writes results.json, results.md, chart.png (burst: tasks running over time) and latency.png.</summary>
public static class Report
{
    public static void Write(BenchResults r, string folder)
    {
        var json = JsonSerializer.Serialize(r, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, IncludeFields = true });
        File.WriteAllText(Path.Combine(folder, "results.json"), json);
        File.WriteAllText(Path.Combine(folder, "results.md"), Markdown(r));
        RunningChart(r.Burst, Path.Combine(folder, "chart.png"));
        LatencyChart(r.Burst, Path.Combine(folder, "latency.png"));
    }

    private static string F(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Markdown(BenchResults r)
    {
        var b = r.Burst;
        var sb = new StringBuilder();
        sb.AppendLine($"### Scale run: {r.Options.Tasks:N0} tasks on {r.Options.Nodes:N0} simulated nodes ({r.Options.Services} services)");
        sb.AppendLine();
        sb.AppendLine($"Machine: {r.Machine}; PostgreSQL, RabbitMQ and every service on the same machine.");
        sb.AppendLine();
        sb.AppendLine("| measure | value |");
        sb.AppendLine("|---|---:|");
        sb.AppendLine($"| burst: tasks RUNNING | {b.Reached:N0} / {b.Tasks:N0} |");
        sb.AppendLine($"| burst: time until all RUNNING | {F(b.SecondsToAllRunning, "0.00")} s |");
        sb.AppendLine($"| burst: tasks running per second (end to end) | {F(b.TasksPerSecond, "0")} |");
        sb.AppendLine($"| burst: placements per second | {F(b.PlacementsPerSecond, "0")} |");
        sb.AppendLine($"| burst: created→running p50 / p95 / p99 / max | {F(b.LatencyMs.P50 / 1000, "0.00")} / {F(b.LatencyMs.P95 / 1000, "0.00")} / {F(b.LatencyMs.P99 / 1000, "0.00")} / {F(b.LatencyMs.Max / 1000, "0.00")} s |");
        sb.AppendLine($"| idle: 10-replica service all RUNNING, p50 / max ({r.Idle.SecondsToAllRunning.Count} runs) | {F(r.Idle.SecondsToAllRunning.P50 * 1000, "0")} / {F(r.Idle.SecondsToAllRunning.Max * 1000, "0")} ms |");
        sb.AppendLine($"| churn: tasks created per second ({r.Churn.Seconds} s) | {F(r.Churn.TasksPerSecond)} |");
        sb.AppendLine($"| churn: created→running p99 | {F(r.Churn.LatencyMs.P99, "0")} ms |");
        sb.AppendLine($"| heartbeats: dispatcher CPU with {r.Heartbeat.Nodes:N0} nodes | {F(r.Heartbeat.DispatcherCpuPercentOfOneCore)} % of one core |");
        sb.AppendLine($"| heartbeats: nodes falsely marked down | {r.Heartbeat.NodesFalselyMarkedDown} |");
        sb.AppendLine($"| events appended per second (burst) | {F(r.EventsAppendedPerSecond, "0")} |");
        sb.AppendLine($"| relay lag, peak | {r.RelayLagPeak:N0} events |");
        sb.AppendLine($"| RabbitMQ messages queued, peak | {r.QueueDepthPeak:N0} |");
        sb.AppendLine($"| slots running twice | {r.DuplicateRunningSlots} |");
        sb.AppendLine();
        sb.AppendLine("| hop (median / p99 from the log) | burst | idle | churn |");
        sb.AppendLine("|---|---:|---:|---:|");
        string Of(List<Hop> hops, string name) =>
            hops.Where(h => h.Name == name).Select(h => $"{F(h.MedianMs, "0")} / {F(h.P99Ms, "0")} ms").FirstOrDefault() ?? "";
        foreach (var hop in b.Hops)
        {
            sb.AppendLine($"| {hop.Name} | {Of(b.Hops, hop.Name)} | {Of(r.Idle.Hops, hop.Name)} | {Of(r.Churn.Hops, hop.Name)} |");
        }

        sb.AppendLine();
        sb.AppendLine($"| burst CPU ({Environment.ProcessorCount} cores × {F(b.SecondsToAllRunning, "0.0")} s = {F(Environment.ProcessorCount * b.SecondsToAllRunning, "0")} CPU s available) | CPU s | ms per task |");
        sb.AppendLine("|---|---:|---:|");
        foreach (var c in b.Cpu)
        {
            sb.AppendLine($"| {c.Name} | {F(c.CpuSeconds)} | {F(c.MsPerTask, "0.00")} |");
        }

        sb.AppendLine();
        sb.AppendLine("| process | CPU s | peak RSS MiB |");
        sb.AppendLine("|---|---:|---:|");
        foreach (var p in r.Processes)
        {
            sb.AppendLine($"| {p.Name} | {F(p.CpuSeconds)} | {F(p.PeakRssMiB, "0")} |");
        }

        return sb.ToString();
    }

    private static void RunningChart(BurstResult burst, string path)
    {
        var plot = new ScottPlot.Plot();
        plot.Add.Scatter(burst.RunningOverTime.Select(p => p.Seconds).ToArray(), burst.RunningOverTime.Select(p => (double)p.Running).ToArray());
        plot.Title($"Burst: {burst.Tasks:N0} tasks, RUNNING over time");
        plot.XLabel("seconds since the first create");
        plot.YLabel("tasks running");
        plot.SavePng(path, 900, 500);
    }

    private static void LatencyChart(BurstResult burst, string path)
    {
        var plot = new ScottPlot.Plot();
        var values = burst.LatenciesMs.Select(ms => ms / 1000).ToArray();
        if (values.Length > 0)
        {
            const int bins = 40;
            var max = Math.Max(values.Max(), 0.001);
            var width = max / bins;
            var counts = new double[bins];
            foreach (var v in values)
            {
                counts[Math.Min(bins - 1, (int)(v / width))]++;
            }

            plot.Add.Bars(Enumerable.Range(0, bins).Select(i => (i + 0.5) * width).ToArray(), counts);
        }

        plot.Title("Burst: created→running latency per task");
        plot.XLabel("seconds");
        plot.YLabel("tasks");
        plot.SavePng(path, 900, 500);
    }
}
