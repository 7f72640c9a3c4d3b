using System.Globalization;
using Swarm.Contracts.Model;

namespace Swarm.Ctl.Cli;

/// <summary>
/// The rolling update flags (<c>--update-parallelism</c>, <c>--update-delay</c>, ...) and the same with
/// the <c>--rollback-</c> prefix, which configure how a rollback replaces tasks.
/// </summary>
public static class UpdateConfigOptions
{
    public const string Update = "update";
    public const string Rollback = "rollback";

    public static readonly FlagSpec[] Flags = [.. FlagsOf(Update, "an update"), .. FlagsOf(Rollback, "a rollback")];

    private static FlagSpec[] FlagsOf(string prefix, string what) =>
    [
        new($"{prefix}-parallelism", null, "N", $"Tasks replaced at a time during {what}, 0 = all at once (default 1)"),
        new($"{prefix}-delay", null, "DURATION", $"Wait between batches of {what} (default 0s)"),
        new($"{prefix}-failure-action", null, "ACTION", prefix == Update
            ? "On too many failed tasks: pause, continue or rollback (default pause)"
            : "On too many failed tasks: pause or continue (default pause)"),
        new($"{prefix}-monitor", null, "DURATION", $"How long each new task of {what} is watched for failure (default 5s)"),
        new($"{prefix}-max-failure-ratio", null, "RATIO", $"Share of failed tasks tolerated during {what}, 0 to 1 (default 0)"),
        new($"{prefix}-order", null, "ORDER", "stop-first (stop the old task first, default) or start-first (start the new one first)"),
    ];

    /// <summary>The <paramref name="prefix"/> flags given, as a partial config (null members were not given), or null when none was.</summary>
    public static UpdateConfigSpec? Parse(ParsedArgs a, string prefix)
    {
        var failureAction = a.Get($"{prefix}-failure-action")?.ToLowerInvariant();
        if (failureAction is not null && failureAction is not ("pause" or "continue" or "rollback"))
        {
            throw new UsageException($"invalid value '{failureAction}' for --{prefix}-failure-action: use pause, continue or rollback");
        }

        if (failureAction == "rollback" && prefix == Rollback)
        {
            throw new UsageException("invalid value 'rollback' for --rollback-failure-action: a rollback is never rolled back; use pause or continue");
        }

        var order = a.Get($"{prefix}-order")?.ToLowerInvariant();
        if (order is not null && order is not ("stop-first" or "start-first"))
        {
            throw new UsageException($"invalid value '{order}' for --{prefix}-order: use stop-first or start-first");
        }

        var config = new UpdateConfigSpec
        {
            Parallelism = a.Int($"{prefix}-parallelism", min: 0),
            DelaySeconds = a.Duration($"{prefix}-delay")?.TotalSeconds,
            FailureAction = failureAction,
            MonitorSeconds = a.Duration($"{prefix}-monitor")?.TotalSeconds,
            MaxFailureRatio = Ratio(a, $"{prefix}-max-failure-ratio"),
            Order = order,
        };
        return config == new UpdateConfigSpec() ? null : config;
    }

    /// <summary><paramref name="changes"/> laid over <paramref name="current"/>: members not given keep their value.</summary>
    public static UpdateConfigSpec Merge(UpdateConfigSpec? current, UpdateConfigSpec changes)
    {
        var now = current ?? new UpdateConfigSpec();
        return new UpdateConfigSpec
        {
            Parallelism = changes.Parallelism ?? now.Parallelism,
            DelaySeconds = changes.DelaySeconds ?? now.DelaySeconds,
            FailureAction = changes.FailureAction ?? now.FailureAction,
            MonitorSeconds = changes.MonitorSeconds ?? now.MonitorSeconds,
            MaxFailureRatio = changes.MaxFailureRatio ?? now.MaxFailureRatio,
            Order = changes.Order ?? now.Order,
        };
    }

    private static double? Ratio(ParsedArgs a, string flag)
    {
        if (a.Get(flag) is not { } text)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? ratio
            : throw new UsageException($"invalid value '{text}' for --{flag}: expected a number from 0 to 1, e.g. 0.2");
    }
}
