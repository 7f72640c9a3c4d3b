using Swarm.Contracts.Model;

namespace Swarm.Domain.Orchestration.Update;

public enum FailureAction
{
    Pause,
    Continue,
    Rollback,
}

/// <summary>An update (or rollback) config with SwarmKit's defaults filled in.</summary>
public sealed record UpdatePolicy(int Parallelism, TimeSpan Delay, FailureAction FailureAction, TimeSpan Monitor, double MaxFailureRatio, bool StartFirst)
{
    public static UpdatePolicy From(UpdateConfigSpec? spec) => new(
        spec?.Parallelism ?? 1,
        TimeSpan.FromSeconds(spec?.DelaySeconds ?? 0),
        ParseFailureAction(spec?.FailureAction) ?? FailureAction.Pause,
        TimeSpan.FromSeconds(spec?.MonitorSeconds ?? 5),
        spec?.MaxFailureRatio ?? 0,
        spec?.Order == "start-first");

    public static FailureAction? ParseFailureAction(string? value) => value switch
    {
        null or "" or "pause" => FailureAction.Pause,
        "continue" => FailureAction.Continue,
        "rollback" => FailureAction.Rollback,
        _ => null,
    };

    public static bool IsOrder(string? value) => value is null or "" or "stop-first" or "start-first";
}
