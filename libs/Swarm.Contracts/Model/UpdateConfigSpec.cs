namespace Swarm.Contracts.Model;

/// <summary>
/// How a rolling update (or a rollback) replaces tasks. Defaults as in SwarmKit: parallelism 1,
/// delay 0, failure action <c>pause</c>, monitor 5 s, max failure ratio 0, order <c>stop-first</c>.
/// </summary>
public sealed record UpdateConfigSpec
{
    /// <summary>Tasks replaced at a time; 0 means all at once.</summary>
    public int? Parallelism { get; init; }
    public double? DelaySeconds { get; init; }

    /// <summary><c>pause</c>, <c>continue</c> or <c>rollback</c>.</summary>
    public string? FailureAction { get; init; }
    public double? MonitorSeconds { get; init; }
    public double? MaxFailureRatio { get; init; }

    /// <summary><c>stop-first</c> or <c>start-first</c>.</summary>
    public string? Order { get; init; }
}
