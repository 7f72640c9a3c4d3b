namespace Swarm.Contracts.Events;

/// <summary>No node fits the task; it stays <c>pending</c> with this reason until nodes change.</summary>
public sealed record TaskUnschedulable
{
    public Guid TaskId { get; init; }
    public Guid ServiceId { get; init; }
    public string Reason { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
