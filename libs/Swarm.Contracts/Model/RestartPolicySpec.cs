namespace Swarm.Contracts.Model;

/// <summary>
/// When a task that ended is replaced. Condition is <c>none</c>, <c>on-failure</c> or <c>any</c>
/// (default <c>any</c>); delay defaults to 5 s; max attempts 0 means unlimited; window 0 means
/// every restart counts.
/// </summary>
public sealed record RestartPolicySpec
{
    public string? Condition { get; init; }
    public double? DelaySeconds { get; init; }
    public int? MaxAttempts { get; init; }
    public double? WindowSeconds { get; init; }
}
