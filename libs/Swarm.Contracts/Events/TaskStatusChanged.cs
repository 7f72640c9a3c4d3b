using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>
/// The task's observed state moved forward: reported by the agent running it (through the
/// dispatcher), or set by a manager (shut down before it reached a node, orphaned).
/// </summary>
public sealed record TaskStatusChanged
{
    public Guid TaskId { get; init; }
    public Guid ServiceId { get; init; }
    public Guid? NodeId { get; init; }
    public TaskState State { get; init; }
    public string Message { get; init; } = "";
    public string? Error { get; init; }
    public int? ExitCode { get; init; }
    public DateTimeOffset At { get; init; }
}
