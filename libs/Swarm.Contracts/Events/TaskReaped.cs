namespace Swarm.Contracts.Events;

/// <summary>
/// An ended task left the read models (task history limit, or removed with its service or slot).
/// Its stream stays in the log, so its history can still be read.
/// </summary>
public sealed record TaskReaped
{
    public Guid TaskId { get; init; }
    public Guid ServiceId { get; init; }
    public string Reason { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
