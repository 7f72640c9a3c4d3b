using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;

namespace Swarm.ControlApi.Tasks;

/// <summary>
/// One line of a task list. <see cref="Name"/> is <c>service.slot</c>; <see cref="Node"/> is the
/// hostname of the node it was assigned to, if any.
/// </summary>
public sealed record TaskSummary(
    Guid Id,
    string Name,
    string Service,
    Guid ServiceId,
    int Slot,
    int Attempt,
    string? Node,
    Guid? NodeId,
    TaskState State,
    DesiredState DesiredState,
    string Message,
    string? Error,
    int? ExitCode,
    string? Address,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static TaskSummary From(SwarmTask t, string? hostname) => new(
        t.Id, $"{t.ServiceName}.{t.Slot}", t.ServiceName, t.ServiceId, t.Slot, t.Attempt, hostname, t.NodeId,
        t.State, t.DesiredState, t.Message, t.Error, t.ExitCode, t.Address, t.CreatedAt, t.UpdatedAt);
}

/// <summary><c>GET /api/tasks/{id}</c>: the task read model plus every event of its stream.</summary>
public sealed record TaskDetail(
    Guid Id,
    string Name,
    string Service,
    Guid ServiceId,
    int Slot,
    int Attempt,
    string? Node,
    Guid? NodeId,
    TaskState State,
    DesiredState DesiredState,
    string Message,
    string? Error,
    int? ExitCode,
    string? Address,
    Guid? NetworkId,
    long SpecVersion,
    ServiceSpec Spec,
    DateTimeOffset? StartAfter,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<TaskHistoryEntry> History)
{
    public static TaskDetail From(SwarmTask t, string? hostname, IReadOnlyList<TaskHistoryEntry> history) => new(
        t.Id, $"{t.ServiceName}.{t.Slot}", t.ServiceName, t.ServiceId, t.Slot, t.Attempt, hostname, t.NodeId,
        t.State, t.DesiredState, t.Message, t.Error, t.ExitCode, t.Address, t.NetworkId, t.SpecVersion, t.Spec,
        t.StartAfter, t.CreatedAt, t.UpdatedAt, history);
}

/// <summary>
/// One event of a task's stream: its version in the stream, its position in the cluster log, when it
/// was written, its stored type name, a one-line summary and the event itself.
/// </summary>
public sealed record TaskHistoryEntry(long Version, long Sequence, DateTimeOffset Timestamp, string Type, string Summary, object Data);

/// <summary>Filters of a task list; null means any.</summary>
public sealed record TaskFilter(Guid? ServiceId = null, Guid? NodeId = null, DesiredState? DesiredState = null);
