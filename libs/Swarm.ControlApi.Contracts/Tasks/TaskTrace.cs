using Swarm.Contracts.Model;

namespace Swarm.ControlApi.Contracts;

/// <summary>
/// <c>GET /api/tasks/{id}/trace</c>: a task's lifecycle read from its stream, one step per event, in
/// log order. Times are the events' own (when the agent saw a state, when the scheduler decided);
/// <see cref="Total"/>, <see cref="TraceStep.SinceCreated"/> and <see cref="TraceStep.Duration"/> are seconds.
/// </summary>
public sealed record TaskTrace
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Service { get; init; } = "";
    public string? Node { get; init; }
    public TaskState State { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public double Total { get; init; }
    public IReadOnlyList<TraceStep> Steps { get; init; } = [];
}
