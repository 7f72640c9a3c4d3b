using System.Globalization;
using System.Text.RegularExpressions;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Services;

/// <summary>
/// Checks a service spec; the first problem found is returned with the field it concerns. Every number is
/// held to bounds the orchestrator, the scheduler and the agents can compute with (SwarmKit's controlapi
/// rules, plus upper bounds so no duration or count overflows later), and every name, command, variable
/// and label to a size a log event can carry.
/// </summary>
public static partial class ServiceSpecValidator
{
    public const int MaxReplicas = 100_000;

    /// <summary>Longest duration any field takes: 366 days. A restart delay, an update monitor or a grace period beyond that is a mistake, and larger values overflow date arithmetic.</summary>
    public const double MaxDurationSeconds = 366 * 24 * 3600;

    /// <summary>Shortest non-zero healthcheck interval, timeout or start period (Docker's and SwarmKit's 1 ms).</summary>
    public const double MinHealthcheckSeconds = 0.001;

    /// <summary>Smallest non-zero CPU amount: 0.001 of a core (SwarmKit's controlapi).</summary>
    public const long MinNanoCpus = 1_000_000;

    /// <summary>Smallest non-zero memory amount: 4 MiB (SwarmKit's controlapi).</summary>
    public const long MinMemoryBytes = 4L * 1024 * 1024;

    /// <summary>Most entries in one list or map: command arguments, variables, labels, constraints, ports, generic resources.</summary>
    public const int MaxEntries = 1_000;

    /// <summary>Longest variable, label or resource name.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>Longest single value: a command argument, a variable's or a label's value, an image reference, a path.</summary>
    public const int MaxValueLength = 32 * 1024;

    /// <summary>Most characters of one list or map taken together (a command line, the environment, the labels).</summary>
    public const int MaxTotalLength = 256 * 1024;

    /// <summary>Largest restart attempt count and healthcheck retry count.</summary>
    public const int MaxAttempts = 1_000_000;

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
    private static partial Regex NamePattern();

    public static ValidationError? Validate(ServiceSpec? spec, string prefix = "spec")
    {
        if (spec is null)
        {
            return new(prefix, "is required");
        }

        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            return new($"{prefix}.name", "is required");
        }

        if (!NamePattern().IsMatch(spec.Name))
        {
            return new($"{prefix}.name", $"'{Shorten(spec.Name)}' is not a valid name: use up to 63 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }

        if (!string.IsNullOrEmpty(spec.Mode) && !Orchestration.ServiceModes.All.Contains(spec.Mode))
        {
            return new($"{prefix}.mode", $"'{Shorten(spec.Mode)}' is not a mode ({string.Join(", ", Orchestration.ServiceModes.All)})");
        }

        var mode = Orchestration.ServiceModes.Of(spec);
        if (spec.Replicas is not null && Orchestration.ServiceModes.IsGlobal(mode))
        {
            return new($"{prefix}.replicas", $"a {mode} service runs one task per node and takes no replica count");
        }

        if ((spec.TotalCompletions is not null || spec.MaxConcurrent is not null) && !Orchestration.ServiceModes.IsJob(mode))
        {
            return new(spec.TotalCompletions is not null ? $"{prefix}.totalCompletions" : $"{prefix}.maxConcurrent", "only jobs (replicated-job, global-job) take completions and concurrency");
        }

        if (Count(spec.TotalCompletions, $"{prefix}.totalCompletions", 0, MaxReplicas) is { } completions)
        {
            return completions;
        }

        if (Count(spec.MaxConcurrent, $"{prefix}.maxConcurrent", 1, MaxReplicas) is { } concurrent)
        {
            return concurrent;
        }

        if (Count(spec.Replicas, $"{prefix}.replicas", 0, MaxReplicas) is { } replicas)
        {
            return replicas;
        }

        if (spec.Command is null || spec.Command.Count == 0 || string.IsNullOrWhiteSpace(spec.Command[0]))
        {
            return new($"{prefix}.command", "must name the program to run");
        }

        if (Strings(spec.Command, $"{prefix}.command") is { } command)
        {
            return command;
        }

        if ((Text(spec.Image, $"{prefix}.image", MaxKeyLength * 2) ?? Text(spec.WorkingDir, $"{prefix}.workingDir", MaxValueLength) ?? Text(spec.User, $"{prefix}.user", MaxKeyLength)) is { } text)
        {
            return text;
        }

        if (spec.RestartPolicy is { } rp)
        {
            if (RestartPolicy.ParseCondition(rp.Condition) is null)
            {
                return new($"{prefix}.restartPolicy.condition", $"'{Shorten(rp.Condition)}' is not a restart condition (none, on-failure, any)");
            }

            if (Duration(rp.DelaySeconds, $"{prefix}.restartPolicy.delaySeconds") is { } delay)
            {
                return delay;
            }

            if (rp.MaxAttempts is < 0)
            {
                return new($"{prefix}.restartPolicy.maxAttempts", "must be zero (unlimited) or more");
            }

            if (Count(rp.MaxAttempts, $"{prefix}.restartPolicy.maxAttempts", 0, MaxAttempts) is { } attempts)
            {
                return attempts;
            }

            if (Duration(rp.WindowSeconds, $"{prefix}.restartPolicy.windowSeconds") is { } window)
            {
                return window;
            }
        }

        if (Duration(spec.StopGracePeriodSeconds, $"{prefix}.stopGracePeriodSeconds") is { } grace)
        {
            return grace;
        }

        if (ValidateHealthcheck(spec.Healthcheck, $"{prefix}.healthcheck") is { } health)
        {
            return health;
        }

        foreach (var (config, name) in new[] { (spec.UpdateConfig, "updateConfig"), (spec.RollbackConfig, "rollbackConfig") })
        {
            if (ValidateUpdateConfig(config, $"{prefix}.{name}") is { } updateError)
            {
                return updateError;
            }
        }

        if (spec.Env is not null)
        {
            foreach (var key in spec.Env.Keys)
            {
                if (string.IsNullOrEmpty(key) || key.Contains('='))
                {
                    return new($"{prefix}.env", $"'{Shorten(key)}' is not a valid variable name");
                }
            }

            if (Map(spec.Env, $"{prefix}.env") is { } env)
            {
                return env;
            }
        }

        if (spec.Labels is not null)
        {
            foreach (var key in spec.Labels.Keys)
            {
                if (string.IsNullOrWhiteSpace(key))
                {
                    return new($"{prefix}.labels", "label names must not be empty");
                }
            }

            if (Map(spec.Labels, $"{prefix}.labels") is { } labels)
            {
                return labels;
            }
        }

        if (ValidateScheduling(spec, prefix) is { } scheduling)
        {
            return scheduling;
        }

        if (Scheduling.PlacementValidator.Validate(spec, prefix) is { } placement)
        {
            return placement;
        }

        if (Secrets.SecretRules.References(spec, prefix) is { } references)
        {
            return references;
        }

        return ValidateEndpoint(spec, prefix);
    }

    /// <summary>Endpoint modes a service may take.</summary>
    public const string Vip = "vip";
    public const string Dnsrr = "dnsrr";

    /// <summary>Most networks one service attaches.</summary>
    public const int MaxNetworks = 64;

    [GeneratedRegex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")]
    private static partial Regex DnsLabelPattern();

    /// <summary>Whether <paramref name="mode"/> publishes through the routing mesh (<c>ingress</c>, the default).</summary>
    public static bool IsIngress(PortSpec port) => string.IsNullOrEmpty(port.Mode) || port.Mode.Equals("ingress", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Networks, aliases, endpoint mode and published ports as far as they can be checked without the
    /// cluster (whether the networks exist and the ports are free is checked by <see cref="ServiceClusterChecks"/>).
    /// </summary>
    private static ValidationError? ValidateEndpoint(ServiceSpec spec, string prefix)
    {
        var mode = string.IsNullOrEmpty(spec.EndpointMode) ? Vip : spec.EndpointMode;
        if (mode is not (Vip or Dnsrr))
        {
            return new($"{prefix}.endpointMode", $"'{Shorten(spec.EndpointMode)}' is not an endpoint mode (vip, dnsrr)");
        }

        if (spec.Ports is { } ports)
        {
            var ingress = new HashSet<(string, int)>();
            for (var i = 0; i < ports.Count; i++)
            {
                if (!IsIngress(ports[i]))
                {
                    continue;
                }

                if (mode == Dnsrr)
                {
                    return new($"{prefix}.ports[{i}].mode", "a service in endpoint mode dnsrr cannot publish a port in ingress mode (the routing mesh needs a virtual IP): publish it in host mode or use endpoint mode vip");
                }

                if (ports[i].PublishedPort is { } published && !ingress.Add((Scheduling.HostPorts.Protocol(ports[i]), published)))
                {
                    return new($"{prefix}.ports[{i}].publishedPort", $"{published}/{Scheduling.HostPorts.Protocol(ports[i])} is published twice");
                }
            }

            for (var i = 0; i < ports.Count; i++)
            {
                if (!IsIngress(ports[i]) && ports[i].PublishedPort is { } hostPort && ingress.Contains((Scheduling.HostPorts.Protocol(ports[i]), hostPort)))
                {
                    return new($"{prefix}.ports[{i}].publishedPort", $"{hostPort}/{Scheduling.HostPorts.Protocol(ports[i])} is published twice");
                }
            }
        }

        if (spec.Networks is not { } networks)
        {
            return null;
        }

        if (networks.Count > MaxNetworks)
        {
            return new($"{prefix}.networks", $"must have at most {MaxNetworks} entries, got {networks.Count}");
        }

        var targets = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < networks.Count; i++)
        {
            var field = $"{prefix}.networks[{i}]";
            if (networks[i] is not { } attachment)
            {
                return new(field, "is required");
            }

            if (string.IsNullOrWhiteSpace(attachment.Target))
            {
                return new($"{field}.target", "is required (a network's name or id)");
            }

            if (attachment.Target.Length > MaxKeyLength)
            {
                return new($"{field}.target", $"must be at most {MaxKeyLength} characters, got {attachment.Target.Length}");
            }

            if (!targets.Add(attachment.Target))
            {
                return new($"{field}.target", $"network '{Shorten(attachment.Target)}' is attached twice");
            }

            if (attachment.Aliases is { } aliases)
            {
                if (aliases.Count > MaxEntries)
                {
                    return new($"{field}.aliases", $"must have at most {MaxEntries} entries, got {aliases.Count}");
                }

                for (var j = 0; j < aliases.Count; j++)
                {
                    if (aliases[j] is null || !DnsLabelPattern().IsMatch(aliases[j]))
                    {
                        return new($"{field}.aliases[{j}]", $"'{Shorten(aliases[j])}' is not a valid DNS name: up to 63 letters, digits or '-', neither first nor last a '-'");
                    }
                }
            }
        }

        return null;
    }

    private static ValidationError? ValidateHealthcheck(HealthcheckSpec? check, string prefix)
    {
        if (check is null)
        {
            return null;
        }

        if (check.Test is null)
        {
            return new($"{prefix}.test", "is required (e.g. [\"CMD\", \"prog\"], [\"CMD-SHELL\", \"command\"] or [\"NONE\"])");
        }

        if (check.Test.Count > 0 && check.Test[0] is not ("NONE" or "CMD" or "CMD-SHELL"))
        {
            return new($"{prefix}.test", $"must start with NONE, CMD or CMD-SHELL, got '{Shorten(check.Test[0])}'");
        }

        if (check.Test.Count == 1 && check.Test[0] is ("CMD" or "CMD-SHELL"))
        {
            return new($"{prefix}.test", $"{check.Test[0]} must be followed by the command to run");
        }

        if (Strings(check.Test, $"{prefix}.test") is { } test)
        {
            return test;
        }

        foreach (var (value, name) in new[] { (check.IntervalSeconds, "intervalSeconds"), (check.TimeoutSeconds, "timeoutSeconds"), (check.StartPeriodSeconds, "startPeriodSeconds") })
        {
            if (Duration(value, $"{prefix}.{name}") is { } error)
            {
                return error;
            }

            // zero takes the default, as in Docker; anything shorter than a millisecond cannot be timed
            if (value is > 0 and < MinHealthcheckSeconds)
            {
                return new($"{prefix}.{name}", $"must be 0 (the default) or at least {MinHealthcheckSeconds.ToString(CultureInfo.InvariantCulture)} s, got {Number(value.Value)}");
            }
        }

        return Count(check.Retries, $"{prefix}.retries", 0, MaxAttempts);
    }

    private static ValidationError? ValidateUpdateConfig(UpdateConfigSpec? config, string prefix)
    {
        if (config is null)
        {
            return null;
        }

        if (config.Parallelism is < 0)
        {
            return new($"{prefix}.parallelism", "must be zero (all at once) or more");
        }

        if (Count(config.Parallelism, $"{prefix}.parallelism", 0, MaxReplicas) is { } parallelism)
        {
            return parallelism;
        }

        if (Duration(config.DelaySeconds, $"{prefix}.delaySeconds") is { } delay)
        {
            return delay;
        }

        if (Orchestration.Update.UpdatePolicy.ParseFailureAction(config.FailureAction) is null)
        {
            return new($"{prefix}.failureAction", $"'{Shorten(config.FailureAction)}' is not a failure action (pause, continue, rollback)");
        }

        if (Duration(config.MonitorSeconds, $"{prefix}.monitorSeconds") is { } monitor)
        {
            return monitor;
        }

        if (config.MaxFailureRatio is < 0 or > 1 || config.MaxFailureRatio is { } r && double.IsNaN(r))
        {
            return new($"{prefix}.maxFailureRatio", "must be between 0 and 1");
        }

        if (!Orchestration.Update.UpdatePolicy.IsOrder(config.Order))
        {
            return new($"{prefix}.order", $"'{Shorten(config.Order)}' is not an update order (stop-first, start-first)");
        }

        return null;
    }

    /// <summary>Bounds of what the scheduler reads that <see cref="Scheduling.PlacementValidator"/> does not check: sizes and minimum amounts.</summary>
    private static ValidationError? ValidateScheduling(ServiceSpec spec, string prefix)
    {
        if (spec.Placement is { } placement)
        {
            if (Strings(placement.Constraints, $"{prefix}.placement.constraints") is { } constraints)
            {
                return constraints;
            }

            if (placement.Preferences is { Count: > MaxEntries })
            {
                return new($"{prefix}.placement.preferences", $"must have at most {MaxEntries} entries, got {placement.Preferences.Count}");
            }

            if (placement.Platforms is { Count: > MaxEntries })
            {
                return new($"{prefix}.placement.platforms", $"must have at most {MaxEntries} entries, got {placement.Platforms.Count}");
            }

            if (placement.MaxReplicasPerNode is > MaxReplicas)
            {
                return new($"{prefix}.placement.maxReplicasPerNode", $"must be at most {MaxReplicas}, got {placement.MaxReplicasPerNode}");
            }
        }

        if (spec.Resources is { } resources)
        {
            foreach (var (amounts, name) in new[] { (resources.Reservations, "reservations"), (resources.Limits, "limits") })
            {
                var field = $"{prefix}.resources.{name}";
                if (amounts?.NanoCpus is > 0 and < MinNanoCpus)
                {
                    return new($"{field}.nanoCpus", $"must be 0 or at least {MinNanoCpus} (0.001 CPU), got {amounts.NanoCpus}");
                }

                if (amounts?.MemoryBytes is > 0 and < MinMemoryBytes)
                {
                    return new($"{field}.memoryBytes", $"must be 0 or at least {MinMemoryBytes} (4 MiB), got {amounts.MemoryBytes}");
                }

                if (amounts?.Generic is { } generic)
                {
                    if (generic.Count > MaxEntries)
                    {
                        return new($"{field}.generic", $"must have at most {MaxEntries} entries, got {generic.Count}");
                    }

                    if (generic.Keys.FirstOrDefault(k => k is { Length: > MaxKeyLength }) is { } longName)
                    {
                        return new($"{field}.generic", $"resource names must be at most {MaxKeyLength} characters, '{Shorten(longName)}' has {longName.Length}");
                    }
                }
            }
        }

        if (spec.Ports is { Count: > MaxEntries })
        {
            return new($"{prefix}.ports", $"must have at most {MaxEntries} entries, got {spec.Ports.Count}");
        }

        return null;
    }

    /// <summary>A duration in seconds: finite, zero or more, at most <see cref="MaxDurationSeconds"/>.</summary>
    private static ValidationError? Duration(double? seconds, string field) => seconds switch
    {
        null => null,
        { } s when !double.IsFinite(s) => new(field, "must be a finite number of seconds"),
        < 0 => new(field, $"must be zero or more, got {Number(seconds.Value)}"),
        > MaxDurationSeconds => new(field, $"must be at most {Number(MaxDurationSeconds)} s (366 days), got {Number(seconds.Value)}"),
        _ => null,
    };

    private static ValidationError? Count(int? value, string field, int min, int max) => value switch
    {
        null => null,
        { } v when v < min => new(field, $"must be {(min == 0 ? "zero" : min.ToString(CultureInfo.InvariantCulture))} or more, got {v}"),
        { } v when v > max => new(field, $"must be at most {max}, got {v}"),
        _ => null,
    };

    private static ValidationError? Text(string? value, string field, int max) =>
        value is { Length: var length } && length > max ? new(field, $"must be at most {max} characters, got {length}") : null;

    private static ValidationError? Strings(IReadOnlyList<string>? values, string field)
    {
        if (values is null)
        {
            return null;
        }

        if (values.Count > MaxEntries)
        {
            return new(field, $"must have at most {MaxEntries} entries, got {values.Count}");
        }

        long total = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is null)
            {
                return new($"{field}[{i}]", "must be a string, got null");
            }

            if (values[i].Length > MaxValueLength)
            {
                return new($"{field}[{i}]", $"must be at most {MaxValueLength} characters, got {values[i].Length}");
            }

            total += values[i].Length;
        }

        return total > MaxTotalLength ? new(field, $"must be at most {MaxTotalLength} characters in all, got {total}") : null;
    }

    private static ValidationError? Map(IReadOnlyDictionary<string, string> values, string field)
    {
        if (values.Count > MaxEntries)
        {
            return new(field, $"must have at most {MaxEntries} entries, got {values.Count}");
        }

        long total = 0;
        foreach (var (key, value) in values)
        {
            if (key.Length > MaxKeyLength)
            {
                return new(field, $"names must be at most {MaxKeyLength} characters, '{Shorten(key)}' has {key.Length}");
            }

            if (value is null)
            {
                return new($"{field}.{key}", "must be a string, got null");
            }

            if (value.Length > MaxValueLength)
            {
                return new($"{field}.{key}", $"must be at most {MaxValueLength} characters, got {value.Length}");
            }

            total += key.Length + value.Length;
        }

        return total > MaxTotalLength ? new(field, $"must be at most {MaxTotalLength} characters in all, got {total}") : null;
    }

    private static string Number(double value) => value.ToString("G", CultureInfo.InvariantCulture);

    /// <summary>A value quoted in a reason is cut, so a huge input does not make a huge answer.</summary>
    private static string? Shorten(string? value) => value is { Length: > 64 } ? value[..61] + "..." : value;

    /// <summary>The spec with defaults written in, as it is stored.</summary>
    public static ServiceSpec Normalize(ServiceSpec spec) => Orchestration.ServiceModes.Of(spec) switch
    {
        Orchestration.ServiceModes.Replicated => spec with { Mode = Orchestration.ServiceModes.Replicated, Replicas = spec.Replicas ?? 1 },
        Orchestration.ServiceModes.ReplicatedJob => spec with { TotalCompletions = spec.TotalCompletions ?? spec.Replicas ?? 1, MaxConcurrent = spec.MaxConcurrent ?? 1, Replicas = null },
        _ => spec,
    };
}
