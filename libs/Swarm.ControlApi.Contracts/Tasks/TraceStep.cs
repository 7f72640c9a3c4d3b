namespace Swarm.ControlApi.Contracts;

/// <summary>
/// One step of a task's lifecycle: <see cref="Step"/> is <c>created</c>, <c>allocated</c>,
/// <c>unschedulable</c>, <c>assigned</c>, a reported state (<c>accepted</c> … <c>running</c>,
/// <c>complete</c>, <c>failed</c>, <c>shutdown</c>, <c>rejected</c>, <c>orphaned</c>), <c>desired_STATE</c>
/// or <c>removed</c>. <see cref="Duration"/> lasts until the next step (null for the last one).
/// <see cref="Component"/> is who wrote it, from the event's <c>component</c> header, else the event
/// type's known writer; <see cref="ReportedBy"/> is the node whose agent reported it.
/// </summary>
public sealed record TraceStep
{
    public string Step { get; init; } = "";
    public string Type { get; init; } = "";
    public long Version { get; init; }
    public long Sequence { get; init; }
    public DateTimeOffset At { get; init; }
    public DateTimeOffset LoggedAt { get; init; }
    public double SinceCreated { get; init; }
    public double? Duration { get; init; }
    public string Component { get; init; } = "";
    public string? Node { get; init; }
    public string? ReportedBy { get; init; }
    public string Detail { get; init; } = "";
}
