namespace Swarm.Contracts.Model;

/// <summary>A container healthcheck; while it has not passed the task stays <c>starting</c>.</summary>
public sealed record HealthcheckSpec
{
    /// <summary>As in Docker: <c>["CMD", "prog", "arg"]</c> or <c>["CMD-SHELL", "command line"]</c>.</summary>
    public IReadOnlyList<string> Test { get; init; } = [];
    public double? IntervalSeconds { get; init; }
    public double? TimeoutSeconds { get; init; }
    public int? Retries { get; init; }
    public double? StartPeriodSeconds { get; init; }
}
