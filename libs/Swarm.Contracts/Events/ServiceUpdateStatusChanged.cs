namespace Swarm.Contracts.Events;

/// <summary>
/// Progress of a rolling update: <c>updating</c>, <c>paused</c>, <c>completed</c>,
/// <c>rollback_started</c>, <c>rollback_paused</c> or <c>rollback_completed</c>, with a message.
/// </summary>
public sealed record ServiceUpdateStatusChanged
{
    public Guid ServiceId { get; init; }
    public string State { get; init; } = "";
    public string Message { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
