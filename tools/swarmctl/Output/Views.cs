using System.Text;
using Swarm.Ctl.Api;

namespace Swarm.Ctl.Output;

/// <summary>Human output of lists and inspections. Pure: everything they show is passed in.</summary>
public static class Views
{
    public const int ErrorWidth = 50;

    public static string Services(IEnumerable<ServiceSummary> services) => Table.Render(
        ["ID", "NAME", "MODE", "REPLICAS", "IMAGE/COMMAND"],
        services.Select(s => (IReadOnlyList<string>)
        [
            Humanize.ShortId(s.Id),
            s.Name,
            s.Mode,
            $"{s.Running}/{s.Replicas}",
            Humanize.Truncate(ImageOrCommand(s.Image, s.Command), 60),
        ]));

    public static string ImageOrCommand(string? image, IReadOnlyList<string> command) =>
        !string.IsNullOrEmpty(image) ? image : Humanize.CommandLine(command);

    /// <summary>
    /// <c>service ps</c> / <c>task ls</c>: tasks in the order given (by slot, newest first); older tasks of a
    /// slot are shown as <c>\_ web.1</c>.
    /// </summary>
    public static string Tasks(IReadOnlyList<TaskSummary> tasks, DateTimeOffset now, bool noTrunc)
    {
        var seen = new HashSet<(Guid, int)>();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var t in tasks)
        {
            var first = seen.Add((t.ServiceId, t.Slot));
            var name = string.IsNullOrEmpty(t.Name) ? $"{t.Service}.{t.Slot}" : t.Name;
            var error = t.Error ?? "";
            rows.Add(
            [
                noTrunc ? t.Id.ToString("N") : Humanize.ShortId(t.Id),
                first ? name : $" \\_ {name}",
                t.Node ?? "",
                t.DesiredState.ToString(),
                $"{t.State} {Humanize.Ago(t.UpdatedAt, now)}",
                noTrunc ? error : Humanize.Truncate(error, ErrorWidth),
            ]);
        }

        return Table.Render(["ID", "NAME", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR"], rows);
    }

    public static string Nodes(IEnumerable<NodeView> nodes) => Table.Render(
        ["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "ROLE"],
        nodes.Select(n => (IReadOnlyList<string>)
        [
            Humanize.ShortId(n.Id),
            n.Hostname,
            n.Status.ToString(),
            n.Availability.ToString(),
            Humanize.Title(n.Role),
        ]));

    /// <summary>One line per event: <c>2026-11-24T20:31:02.123Z  #3  task_assigned  assigned to node worker-1</c>.</summary>
    public static string History(TaskDetail task)
    {
        var sb = new StringBuilder();
        foreach (var e in task.History.OrderBy(e => e.Version))
        {
            sb.Append(Humanize.Timestamp(e.Timestamp)).Append("  #").Append(e.Version).Append("  ").Append(e.Type).Append("  ").Append(e.Summary).Append('\n');
        }

        return sb.ToString();
    }

    public static string Service(ServiceDetail s, DateTimeOffset now)
    {
        var spec = s.Spec;
        var rows = new List<(string, string)>
        {
            ("ID", s.Id.ToString("N")),
            ("Name", s.Name),
            ("Mode", Humanize.Title(s.Mode)),
            ("Replicas", $"{s.Running}/{s.Replicas} running"),
        };
        if (s.TaskStates.Count > 0)
        {
            rows.Add(("Tasks", string.Join(", ", s.TaskStates.Select(kv => $"{kv.Value} {kv.Key}"))));
        }

        rows.Add(("Spec version", s.SpecVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        rows.Add(("Created", $"{Humanize.Timestamp(s.CreatedAt)} ({Humanize.Ago(s.CreatedAt, now)})"));
        rows.Add(("Updated", $"{Humanize.Timestamp(s.UpdatedAt)} ({Humanize.Ago(s.UpdatedAt, now)})"));
        if (!string.IsNullOrEmpty(spec.Image))
        {
            rows.Add(("Image", spec.Image));
        }

        rows.Add(("Command", Humanize.CommandLine(spec.Command)));
        if (!string.IsNullOrEmpty(spec.WorkingDir))
        {
            rows.Add(("Working dir", spec.WorkingDir));
        }

        foreach (var (k, v) in spec.Env ?? new Dictionary<string, string>())
        {
            rows.Add(("Env", $"{k}={v}"));
        }

        foreach (var (k, v) in spec.Labels ?? new Dictionary<string, string>())
        {
            rows.Add(("Label", $"{k}={v}"));
        }

        var rp = spec.RestartPolicy;
        var window = rp?.WindowSeconds is { } w && w > 0 ? $", window {Cli.Durations.Format(TimeSpan.FromSeconds(w))}" : "";
        rows.Add(("Restart policy",
            $"condition {rp?.Condition ?? "any"}, delay {Cli.Durations.Format(TimeSpan.FromSeconds(rp?.DelaySeconds ?? 5))}, " +
            $"max attempts {(rp?.MaxAttempts is > 0 ? rp.MaxAttempts.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unlimited")}{window}"));
        rows.Add(("Stop grace period", Cli.Durations.Format(TimeSpan.FromSeconds(spec.StopGracePeriodSeconds ?? 10))));
        return KeyValues(rows);
    }

    public static string Node(NodeView n, DateTimeOffset now)
    {
        var rows = new List<(string, string)>
        {
            ("ID", n.Id.ToString("N")),
            ("Hostname", n.Hostname),
            ("Status", n.StatusMessage.Length > 0 ? $"{n.Status} ({n.StatusMessage})" : n.Status.ToString()),
            ("Availability", n.Availability.ToString()),
            ("Role", Humanize.Title(n.Role)),
            ("Executor", n.Executor),
            ("Platform", $"{n.Os}/{n.Architecture}".Trim('/')),
            ("Resources", $"{Humanize.Cpus(n.NanoCpus)} CPUs, {Humanize.Bytes(n.MemoryBytes)} memory"),
            ("Tasks", $"{n.Tasks} not ended"),
            ("Registered", $"{Humanize.Timestamp(n.RegisteredAt)} ({Humanize.Ago(n.RegisteredAt, now)})"),
        };
        foreach (var (k, v) in n.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var source = n.OperatorLabels.ContainsKey(k) ? "operator" : "agent";
            rows.Add(("Label", $"{k}={v} ({source})"));
        }

        return KeyValues(rows);
    }

    private static string KeyValues(IEnumerable<(string Key, string Value)> rows)
    {
        var list = rows.ToList();
        var width = list.Max(r => r.Key.Length) + 2;
        var sb = new StringBuilder();
        foreach (var (key, value) in list)
        {
            sb.Append((key + ":").PadRight(width)).Append(value).Append('\n');
        }

        return sb.ToString();
    }
}
