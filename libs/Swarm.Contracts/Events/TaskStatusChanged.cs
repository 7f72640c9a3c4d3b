using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>
/// The task's observed state moved forward: reported by the agent running it (through the
/// dispatcher), or set by a manager (shut down before it reached a node, orphaned). States an agent
/// reported together (accepted → preparing → ready → starting → running, usually) are one event:
/// <see cref="State"/> is the newest, <see cref="Passed"/> the ones before it, each with its time.
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

    /// <summary>States the task went through before <see cref="State"/>, oldest first; null when none.</summary>
    public IReadOnlyList<TaskStatusStep>? Passed { get; init; }
}

/// <summary>A state a task passed through, with the agent's message and the time it saw it.</summary>
public sealed record TaskStatusStep(TaskState State, string Message, DateTimeOffset At);
