using System.Text.RegularExpressions;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Services;

/// <summary>Checks a service spec; the first problem found is returned with the field it concerns.</summary>
public static partial class ServiceSpecValidator
{
    public const int MaxReplicas = 100_000;

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
            return new($"{prefix}.name", $"'{spec.Name}' is not a valid name: use up to 63 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }

        if (!string.IsNullOrEmpty(spec.Mode) && !Orchestration.ServiceModes.All.Contains(spec.Mode))
        {
            return new($"{prefix}.mode", $"'{spec.Mode}' is not a mode ({string.Join(", ", Orchestration.ServiceModes.All)})");
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

        if (spec.TotalCompletions is < 0)
        {
            return new($"{prefix}.totalCompletions", $"must be zero or more, got {spec.TotalCompletions}");
        }

        if (spec.MaxConcurrent is < 1)
        {
            return new($"{prefix}.maxConcurrent", $"must be at least 1, got {spec.MaxConcurrent}");
        }

        if (spec.Replicas is < 0)
        {
            return new($"{prefix}.replicas", $"must be zero or more, got {spec.Replicas}");
        }

        if (spec.Replicas is > MaxReplicas)
        {
            return new($"{prefix}.replicas", $"must be at most {MaxReplicas}, got {spec.Replicas}");
        }

        if (spec.Command is null || spec.Command.Count == 0 || string.IsNullOrWhiteSpace(spec.Command[0]))
        {
            return new($"{prefix}.command", "must name the program to run");
        }

        if (spec.RestartPolicy is { } rp)
        {
            if (RestartPolicy.ParseCondition(rp.Condition) is null)
            {
                return new($"{prefix}.restartPolicy.condition", $"'{rp.Condition}' is not a restart condition (none, on-failure, any)");
            }

            if (rp.DelaySeconds is < 0 || rp.DelaySeconds is { } d && !double.IsFinite(d))
            {
                return new($"{prefix}.restartPolicy.delaySeconds", "must be zero or more");
            }

            if (rp.MaxAttempts is < 0)
            {
                return new($"{prefix}.restartPolicy.maxAttempts", "must be zero (unlimited) or more");
            }

            if (rp.WindowSeconds is < 0 || rp.WindowSeconds is { } w && !double.IsFinite(w))
            {
                return new($"{prefix}.restartPolicy.windowSeconds", "must be zero or more");
            }
        }

        if (spec.StopGracePeriodSeconds is < 0 || spec.StopGracePeriodSeconds is { } g && !double.IsFinite(g))
        {
            return new($"{prefix}.stopGracePeriodSeconds", "must be zero or more");
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
                    return new($"{prefix}.env", $"'{key}' is not a valid variable name");
                }
            }
        }

        if (Scheduling.PlacementValidator.Validate(spec, prefix) is { } placement)
        {
            return placement;
        }

        return null;
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

        if (config.DelaySeconds is < 0 || config.DelaySeconds is { } d && !double.IsFinite(d))
        {
            return new($"{prefix}.delaySeconds", "must be zero or more");
        }

        if (Orchestration.Update.UpdatePolicy.ParseFailureAction(config.FailureAction) is null)
        {
            return new($"{prefix}.failureAction", $"'{config.FailureAction}' is not a failure action (pause, continue, rollback)");
        }

        if (config.MonitorSeconds is < 0 || config.MonitorSeconds is { } m && !double.IsFinite(m))
        {
            return new($"{prefix}.monitorSeconds", "must be zero or more");
        }

        if (config.MaxFailureRatio is < 0 or > 1 || config.MaxFailureRatio is { } r && double.IsNaN(r))
        {
            return new($"{prefix}.maxFailureRatio", "must be between 0 and 1");
        }

        if (!Orchestration.Update.UpdatePolicy.IsOrder(config.Order))
        {
            return new($"{prefix}.order", $"'{config.Order}' is not an update order (stop-first, start-first)");
        }

        return null;
    }

    /// <summary>The spec with defaults written in, as it is stored.</summary>
    public static ServiceSpec Normalize(ServiceSpec spec) => Orchestration.ServiceModes.Of(spec) switch
    {
        Orchestration.ServiceModes.Replicated => spec with { Mode = Orchestration.ServiceModes.Replicated, Replicas = spec.Replicas ?? 1 },
        Orchestration.ServiceModes.ReplicatedJob => spec with { TotalCompletions = spec.TotalCompletions ?? spec.Replicas ?? 1, MaxConcurrent = spec.MaxConcurrent ?? 1, Replicas = null },
        _ => spec,
    };
}
