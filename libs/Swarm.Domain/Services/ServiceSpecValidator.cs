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

        if (spec.Mode is not (null or "" or "replicated"))
        {
            return new($"{prefix}.mode", $"'{spec.Mode}' is not a supported mode (supported: replicated)");
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

        return null;
    }

    /// <summary>The spec with defaults written in, as it is stored.</summary>
    public static ServiceSpec Normalize(ServiceSpec spec) => spec with
    {
        Mode = string.IsNullOrEmpty(spec.Mode) ? "replicated" : spec.Mode,
        Replicas = spec.Replicas ?? 1,
    };
}
