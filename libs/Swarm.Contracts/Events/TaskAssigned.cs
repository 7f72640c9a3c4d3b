namespace Swarm.Contracts.Events;

/// <summary>The scheduler bound the task to a node; the task is now <c>assigned</c>.</summary>
public sealed record TaskAssigned
{
    public Guid TaskId { get; init; }
    public Guid ServiceId { get; init; }
    public Guid NodeId { get; init; }
    public DateTimeOffset AssignedAt { get; init; }
}
