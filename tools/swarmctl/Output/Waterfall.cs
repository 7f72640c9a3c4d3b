using System.Globalization;
using System.Text;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;

namespace Swarm.Ctl.Output;

/// <summary>
/// <c>task trace</c>: one line per step of a task's lifecycle, with a bar placed on a common time
/// scale from the task's creation to its last step.
/// </summary>
public static class Waterfall
{
    /// <summary>Characters between the bar's brackets.</summary>
    public const int Width = 40;

    public static string Render(TaskTrace trace)
    {
        var sb = new StringBuilder();
        sb.Append(trace.Name).Append(" (").Append(Humanize.ShortId(trace.Id)).Append(")  ")
            .Append(trace.State.ToString().ToLowerInvariant())
            .Append(trace.Node is { } node ? $" on {node}" : "")
            .Append("  ").Append(Seconds(trace.Total)).Append(" from created to last step\n");
        var rows = trace.Steps.Select(s => (IReadOnlyList<string>)
        [
            s.Step == "assigned" && s.Node is { } to ? $"assigned ({to})" : s.Step,
            Humanize.Timestamp(s.At),
            "+" + Seconds(s.SinceCreated),
            s.Duration is { } d ? Seconds(d) : "-",
            Component(s),
            Bar(s, trace.Total),
        ]);
        sb.Append(Table.Render(["STEP", "TIME (UTC)", "SINCE CREATED", "DURATION", "WRITTEN BY", "WATERFALL"], rows));
        return sb.ToString();
    }

    /// <summary><c>dispatcher (reported by agent on node worker-1)</c> for agent reports, else the component.</summary>
    public static string Component(TraceStep step) =>
        step.ReportedBy is { } node ? $"{step.Component} (reported by agent on node {node})" : step.Component;

    /// <summary>
    /// <c>|   ███      |</c>: the step's start and duration on a scale of <paramref name="total"/> seconds;
    /// at least one mark, so an instant step stays visible.
    /// </summary>
    public static string Bar(TraceStep step, double total)
    {
        var start = total <= 0 ? 0 : (int)Math.Floor(step.SinceCreated / total * Width);
        start = Math.Clamp(start, 0, Width - 1);
        var length = total <= 0 || step.Duration is not { } d ? 1 : (int)Math.Round(d / total * Width);
        length = Math.Clamp(length, 1, Width - start);
        return "|" + new string(' ', start) + new string('█', length) + new string(' ', Width - start - length) + "|";
    }

    private static string Seconds(double seconds) => seconds.ToString("0.000", CultureInfo.InvariantCulture) + "s";
}
