namespace Swarm.Contracts.Events;

/// <summary>The allocator gave the task its network address; the task is now <c>pending</c>.</summary>
public sealed record TaskAllocated
{
    public Guid TaskId { get; init; }
    public Guid ServiceId { get; init; }
    public Guid NetworkId { get; init; }
    public string Address { get; init; } = "";
    public DateTimeOffset AllocatedAt { get; init; }
}
