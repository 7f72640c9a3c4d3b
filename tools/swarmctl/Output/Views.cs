using System.Globalization;
using System.Text;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;

namespace Swarm.Ctl.Output;

/// <summary>Human output of lists and inspections. Pure: everything they show is passed in.</summary>
public static class Views
{
    public const int ErrorWidth = 50;

    public static string Services(IEnumerable<ServiceSummary> services) => Table.Render(
        ["ID", "NAME", "MODE", "REPLICAS", "IMAGE/COMMAND", "PORTS"],
        services.Select(s => (IReadOnlyList<string>)
        [
            Humanize.ShortId(s.Id),
            s.Name,
            s.Mode,
            s.Progress.Length > 0 ? s.Progress : $"{s.Running}/{s.Replicas}",
            Humanize.Truncate(ImageOrCommand(s.Image, s.Command), 60),
            Ports(s.Ports),
        ]));

    /// <summary>Published ports as <c>docker service ls</c> shows them: <c>*:18080->80/tcp, *:30000->53/udp</c>.</summary>
    public static string Ports(IEnumerable<PortSpec>? ports) => string.Join(", ", (ports ?? []).Select(Port));

    /// <summary><c>*:8080->80/tcp</c>; a port with no published number yet is <c>80/tcp</c>.</summary>
    public static string Port(PortSpec port)
    {
        var protocol = string.IsNullOrEmpty(port.Protocol) ? "tcp" : port.Protocol.ToLowerInvariant();
        return port.PublishedPort is { } published
            ? $"*:{published.ToString(CultureInfo.InvariantCulture)}->{port.TargetPort.ToString(CultureInfo.InvariantCulture)}/{protocol}"
            : $"{port.TargetPort.ToString(CultureInfo.InvariantCulture)}/{protocol}";
    }

    /// <summary><c>network ls</c>: ID NAME DRIVER SUBNET SCOPE, as <c>docker network ls</c>.</summary>
    public static string Networks(IEnumerable<NetworkView> networks) => Table.Render(
        ["ID", "NAME", "DRIVER", "SUBNET", "SCOPE"],
        networks.Select(n => (IReadOnlyList<string>)
        [
            Humanize.ShortId(n.Id),
            n.Name,
            n.Driver,
            n.Subnet,
            n.Scope,
        ]));

    /// <summary><c>network inspect --format pretty</c>.</summary>
    public static string Network(NetworkView n, DateTimeOffset now)
    {
        var rows = new List<(string, string)>
        {
            ("ID", n.Id.ToString("N")),
            ("Name", n.Name),
            ("Driver", n.Driver),
            ("Scope", n.Scope),
            ("Subnet", n.Subnet),
            ("Gateway", n.Gateway),
            ("Attachable", n.Attachable ? "yes" : "no"),
            ("Ingress", n.Ingress ? "yes" : "no"),
            ("Created", $"{Humanize.Timestamp(n.CreatedAt)} ({Humanize.Ago(n.CreatedAt, now)})"),
        };
        foreach (var (k, v) in n.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            rows.Add(("Label", $"{k}={v}"));
        }

        rows.Add(("Services", n.Services.Count > 0 ? string.Join(", ", n.Services) : "none"));
        return KeyValues(rows);
    }

    /// <summary>
    /// The addresses and ports <c>task inspect</c> prints above the history: one line per network
    /// (<c>Network: frontend 10.0.1.5 (VIP 10.0.1.2; aliases web, web-a)</c>), one per published port. Empty when the task has neither.
    /// </summary>
    public static string TaskAddresses(TaskDetail task)
    {
        var rows = new List<(string, string)>();
        foreach (var n in task.Networks)
        {
            var details = new List<string>();
            if (!string.IsNullOrEmpty(n.VirtualIp))
            {
                details.Add($"VIP {n.VirtualIp}");
            }

            if (n.Aliases.Count > 0)
            {
                details.Add($"aliases {string.Join(", ", n.Aliases)}");
            }

            var name = string.IsNullOrEmpty(n.NetworkName) ? Humanize.ShortId(n.NetworkId) : n.NetworkName;
            rows.Add(("Network", $"{name} {n.Address}" + (details.Count > 0 ? $" ({string.Join("; ", details)})" : "")));
        }

        foreach (var port in task.Ports)
        {
            rows.Add(("Port", InspectPort(port)));
        }

        return rows.Count == 0 ? "" : KeyValues(rows);
    }

    /// <summary><c>rollback_completed</c> → <c>rollback completed</c>.</summary>
    public static string UpdateState(string state) => state.Replace('_', ' ');

    /// <summary>An update or rollback config with SwarmKit's defaults for what is not set.</summary>
    public static string UpdateConfig(UpdateConfigSpec? config)
    {
        var c = config ?? new UpdateConfigSpec();
        var parallelism = c.Parallelism is 0 ? "all at once" : $"{c.Parallelism ?? 1} at a time";
        var ratio = (c.MaxFailureRatio ?? 0).ToString("0.###", CultureInfo.InvariantCulture);
        return $"{parallelism}, delay {Cli.Durations.Format(TimeSpan.FromSeconds(c.DelaySeconds ?? 0))}, " +
            $"on failure {c.FailureAction ?? "pause"}, monitor {Cli.Durations.Format(TimeSpan.FromSeconds(c.MonitorSeconds ?? 5))}, " +
            $"max failure ratio {ratio}, {c.Order ?? "stop-first"}";
    }

    /// <summary><c>cluster inspect</c>.</summary>
    public static string Cluster(ClusterView c, DateTimeOffset now) => KeyValues(
    [
        ("ID", c.Id.ToString("N")),
        ("Task history limit", $"{c.TaskHistoryLimit} ended tasks per slot"),
        ("Node cert expiry", c.NodeCertExpirySeconds > 0 ? Cli.Durations.Format(TimeSpan.FromSeconds(c.NodeCertExpirySeconds)) : "90d (default)"),
        ("Updated", c.UpdatedAt is { } at ? $"{Humanize.Timestamp(at)} ({Humanize.Ago(at, now)})" : "never (defaults)"),
    ]);

    /// <summary>The autolock part of <c>cluster inspect</c>: on or off, and each manager process's lock where known.</summary>
    public static string Autolock(AutolockView a) => KeyValues(
    [
        ("Autolock", a.Enabled ? "on" : "off"),
        ("Control API", a.Locked ? "locked (run 'swarmctl cluster unlock')" : "unlocked"),
        .. (a.Dispatchers ?? []).Select(d => ($"Dispatcher {d.Address}", !d.Reachable ? "not reachable" : d.Locked == true ? "locked" : d.Locked == false ? "unlocked" : "unknown")),
    ]);

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

    /// <summary>One line per service the orchestrator cannot reconcile, with the reason (empty when all can).</summary>
    public static string ReconcileErrors(IEnumerable<ServiceDetail> services)
    {
        var sb = new StringBuilder();
        foreach (var s in services.Where(s => !string.IsNullOrEmpty(s.ReconcileError)))
        {
            sb.Append("service ").Append(s.Name).Append(" cannot be reconciled: ")
                .Append(s.ReconcileError).Append('\n');
        }

        return sb.ToString();
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

    /// <summary>A secret or config given to the tasks: <c>db-password → /run/secrets/db-password (uid 0, gid 0, mode 0444)</c>.</summary>
    private static string FileReference(string source, string path, string? uid, string? gid, uint? mode) =>
        $"{source} → {path} (uid {uid ?? "0"}, gid {gid ?? "0"}, mode {Convert.ToString(mode ?? 0x124, 8).PadLeft(4, '0')})";

    public static string Service(ServiceDetail s, DateTimeOffset now)
    {
        var spec = s.Spec;
        var rows = new List<(string, string)>
        {
            ("ID", s.Id.ToString("N")),
            ("Name", s.Name),
            ("Mode", Humanize.Title(s.Mode)),
        };
        switch (s.Mode)
        {
            case "global":
                rows.Add(("Replicas", $"{s.Running}/{s.Replicas} running (one per eligible node)"));
                break;
            case "replicated-job":
                rows.Add(("Completions", $"{s.Completed ?? 0}/{s.TotalCompletions ?? spec.TotalCompletions ?? 1} completed"));
                rows.Add(("Max concurrent", (spec.MaxConcurrent ?? 1).ToString(CultureInfo.InvariantCulture)));
                rows.Add(("Running", s.Running.ToString(CultureInfo.InvariantCulture)));
                break;
            case "global-job":
                rows.Add(("Completions", $"{s.Completed ?? 0}/{s.TotalCompletions ?? 0} completed (one per eligible node)"));
                rows.Add(("Running", s.Running.ToString(CultureInfo.InvariantCulture)));
                break;
            default:
                rows.Add(("Replicas", $"{s.Running}/{s.Replicas} running"));
                break;
        }

        if (s.TaskStates.Count > 0)
        {
            rows.Add(("Tasks", string.Join(", ", s.TaskStates.Select(kv => $"{kv.Value} {kv.Key}"))));
        }

        if (s.ReconcileError is { } reconcileError)
        {
            var since = s.ReconcileErrorSince is { } at ? $" (since {Humanize.Timestamp(at)}, {Humanize.Ago(at, now)})" : "";
            rows.Add(("Reconcile error", reconcileError + since));
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
        AddPlacement(rows, spec);
        AddNetworks(rows, s);
        foreach (var r in spec.Secrets ?? [])
        {
            rows.Add(("Secret", FileReference(r.Source, $"/run/secrets/{(string.IsNullOrEmpty(r.Target) ? r.Source : r.Target)}", r.Uid, r.Gid, r.Mode)));
        }

        foreach (var r in spec.Configs ?? [])
        {
            var target = string.IsNullOrEmpty(r.Target) ? r.Source : r.Target;
            rows.Add(("Config", FileReference(r.Source, target.StartsWith('/') ? target : "/" + target, r.Uid, r.Gid, r.Mode)));
        }

        rows.Add(("Update config", UpdateConfig(spec.UpdateConfig)));
        rows.Add(("Rollback config", UpdateConfig(spec.RollbackConfig)));
        if (s.UpdateStatus is { } u)
        {
            rows.Add(("Update status", UpdateState(u.State)));
            if (u.Message.Length > 0)
            {
                rows.Add(("Update message", u.Message));
            }

            rows.Add(("Update started", $"{Humanize.Timestamp(u.StartedAt)} ({Humanize.Ago(u.StartedAt, now)})"));
            if (u.CompletedAt is { } done)
            {
                rows.Add(("Update completed", $"{Humanize.Timestamp(done)} ({Humanize.Ago(done, now)})"));
            }
        }

        return KeyValues(rows);
    }

    private static void AddPlacement(List<(string, string)> rows, ServiceSpec spec)
    {
        foreach (var constraint in spec.Placement?.Constraints ?? [])
        {
            rows.Add(("Constraint", constraint));
        }

        foreach (var pref in spec.Placement?.Preferences ?? [])
        {
            rows.Add(("Placement pref", $"spread={pref.Spread}"));
        }

        if (spec.Placement?.MaxReplicasPerNode is > 0 and var max)
        {
            rows.Add(("Max per node", max.ToString(CultureInfo.InvariantCulture)));
        }

        foreach (var platform in spec.Placement?.Platforms ?? [])
        {
            rows.Add(("Platform", $"{platform.Os}/{platform.Architecture}".Trim('/')));
        }

        if (Amounts(spec.Resources?.Reservations) is { Length: > 0 } reserved)
        {
            rows.Add(("Reservations", reserved));
        }

        if (Amounts(spec.Resources?.Limits) is { Length: > 0 } limits)
        {
            rows.Add(("Limits", limits));
        }

    }

    /// <summary>Endpoint mode, networks (with the service's VIP on each) and published ports, resolved by the allocator when it has.</summary>
    private static void AddNetworks(List<(string, string)> rows, ServiceDetail s)
    {
        var spec = s.Spec;
        var networks = s.Networks.Count > 0
            ? s.Networks
            : (spec.Networks ?? []).Select(n => new ServiceNetworkView { Target = n.Target, Aliases = n.Aliases ?? [] }).ToList();
        var vips = s.Endpoint?.VirtualIps ?? [];
        if (networks.Count > 0 || vips.Count > 0 || !string.IsNullOrEmpty(spec.EndpointMode))
        {
            rows.Add(("Endpoint mode", string.IsNullOrEmpty(spec.EndpointMode) ? s.EndpointMode : spec.EndpointMode));
        }

        foreach (var n in networks)
        {
            var name = n.NetworkName ?? n.Target;
            var details = new List<string>();
            if (n.NetworkId is null)
            {
                details.Add("no such network");
            }

            if (vips.FirstOrDefault(v => v.NetworkId == n.NetworkId) is { } vip)
            {
                details.Add($"VIP {vip.Address}");
            }

            if (n.Aliases.Count > 0)
            {
                details.Add($"aliases {string.Join(", ", n.Aliases)}");
            }

            rows.Add(("Network", name + (details.Count > 0 ? $" ({string.Join("; ", details)})" : "")));
        }

        // VIPs on networks the spec does not name (the ingress network of a service publishing an ingress port)
        foreach (var vip in vips.Where(v => !networks.Any(n => n.NetworkId == v.NetworkId)))
        {
            var name = vip.NetworkName.Length > 0 ? vip.NetworkName : Humanize.ShortId(vip.NetworkId);
            rows.Add(("Network", $"{name} (VIP {vip.Address})"));
        }

        var resolved = s.Endpoint?.Ports;
        foreach (var port in resolved is { Count: > 0 } ? resolved : spec.Ports ?? [])
        {
            rows.Add(("Port", InspectPort(port)));
        }
    }

    /// <summary><c>8080:80/tcp (ingress)</c>; <c>53/udp (host)</c> when no number is published.</summary>
    public static string InspectPort(PortSpec port)
    {
        var published = port.PublishedPort is { } p ? $"{p.ToString(CultureInfo.InvariantCulture)}:" : "";
        return $"{published}{port.TargetPort.ToString(CultureInfo.InvariantCulture)}/{(string.IsNullOrEmpty(port.Protocol) ? "tcp" : port.Protocol)} ({port.Mode ?? "ingress"})";
    }

    /// <summary><c>0.5 CPUs, 256 MiB memory, gpu=2</c>; empty when nothing is set.</summary>
    public static string Amounts(ResourceAmounts? amounts)
    {
        if (amounts is null)
        {
            return "";
        }

        var parts = new List<string>();
        if (amounts.NanoCpus is > 0 and var cpus)
        {
            parts.Add($"{Humanize.Cpus(cpus)} CPUs");
        }

        if (amounts.MemoryBytes is > 0 and var memory)
        {
            parts.Add($"{Humanize.Bytes(memory)} memory");
        }

        parts.AddRange((amounts.Generic ?? new Dictionary<string, long>()).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        return string.Join(", ", parts);
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
        rows.AddRange(CaViews.NodeCertificate(n.Certificate, now));
        foreach (var (k, v) in n.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var source = n.OperatorLabels.ContainsKey(k) ? "operator" : "agent";
            rows.Add(("Label", $"{k}={v} ({source})"));
        }

        return KeyValues(rows);
    }

    internal static string KeyValues(IEnumerable<(string Key, string Value)> rows)
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

    /// <summary><c>cluster ls</c>: one row per dispatcher replica, from <c>GET /api/cluster/dispatchers</c>.</summary>
    public static string Dispatchers(System.Text.Json.Nodes.JsonNode? status)
    {
        string Text(System.Text.Json.Nodes.JsonNode? node, string name) => node?[name]?.ToString() ?? "";
        var rows = (status?["replicas"]?.AsArray() ?? []).Select(r => (IReadOnlyList<string>)
        [
            Text(r, "replicaId"),
            Text(r, "reachable") == "true" ? "reachable" : $"unreachable{(Text(r, "error") is { Length: > 0 } e ? $" ({e})" : "")}",
            Text(r, "role").ToUpperInvariant(),
            Text(r, "term"),
            Text(r, "sessions"),
            Text(r, "healthUrl"),
        ]).ToList();
        return Table.Render(["REPLICA", "STATUS", "ROLE", "TERM", "SESSIONS", "HEALTH"], rows);
    }
}
