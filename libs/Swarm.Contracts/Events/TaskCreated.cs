using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>
/// The orchestrator made a task for a slot. <see cref="Attempt"/> counts tasks of the slot from 1.
/// A task created with desired state <c>Ready</c> is promoted to <c>Running</c> at
/// <see cref="StartAfter"/> (the restart delay).
/// </summary>
public sealed record TaskCreated
{
    public Guid TaskId { get; init; }
    public Guid ServiceId { get; init; }
    public string ServiceName { get; init; } = "";
    public int Slot { get; init; }
    public int Attempt { get; init; }
    public long SpecVersion { get; init; }
    public ServiceSpec Spec { get; init; } = new();
    public DesiredState DesiredState { get; init; }
    public DateTimeOffset? StartAfter { get; init; }

    /// <summary>Set for tasks bound to a node from the start (global services).</summary>
    public Guid? NodeId { get; init; }
    public string Reason { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// The restarts of the task's slot under <see cref="SpecVersion"/>, this task included when it is a
    /// restart (absent: none, or an event written before restarts were carried).
    /// </summary>
    public RestartHistory? Restarts { get; init; }

    /// <summary>W3C traceparent of the task's <c>task created</c> span: every later step of the task is traced under it.</summary>
    public string? TraceParent { get; init; }
}
