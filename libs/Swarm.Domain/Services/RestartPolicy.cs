using Swarm.Contracts.Model;

namespace Swarm.Domain.Services;

public enum RestartCondition
{
    None,
    OnFailure,
    Any,
}

/// <summary>A restart policy with SwarmKit's defaults filled in.</summary>
public sealed record RestartPolicy(RestartCondition Condition, TimeSpan Delay, int MaxAttempts, TimeSpan Window)
{
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(5);

    public static RestartPolicy From(RestartPolicySpec? spec) => new(
        ParseCondition(spec?.Condition) ?? RestartCondition.Any,
        spec?.DelaySeconds is { } d ? TimeSpan.FromSeconds(d) : DefaultDelay,
        spec?.MaxAttempts ?? 0,
        spec?.WindowSeconds is { } w ? TimeSpan.FromSeconds(w) : TimeSpan.Zero);

    public static RestartCondition? ParseCondition(string? value) => value switch
    {
        null or "" or "any" => RestartCondition.Any,
        "none" => RestartCondition.None,
        "on-failure" => RestartCondition.OnFailure,
        _ => null,
    };

    /// <summary>Whether a task that ended in <paramref name="state"/> should be replaced, condition-wise.</summary>
    public bool ConditionAllows(TaskState state) => Condition switch
    {
        RestartCondition.None => false,
        RestartCondition.OnFailure => state != TaskState.Complete,
        _ => true,
    };
}
