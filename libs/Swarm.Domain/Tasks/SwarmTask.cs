using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Tasks;

/// <summary>
/// The task aggregate, folded from its stream. Immutable: every Apply returns a new value.
/// It doubles as the task read model.
/// </summary>
public sealed record SwarmTask
{
    public Guid Id { get; init; }
    public Guid ServiceId { get; init; }
    public string ServiceName { get; init; } = "";
    public int Slot { get; init; }
    public int Attempt { get; init; }
    public long SpecVersion { get; init; }
    public ServiceSpec Spec { get; init; } = new();
    public DesiredState DesiredState { get; init; }
    public TaskState State { get; init; }
    public string Message { get; init; } = "";
    public string? Error { get; init; }
    public int? ExitCode { get; init; }
    public Guid? NodeId { get; init; }
    public Guid? NetworkId { get; init; }
    public string? Address { get; init; }

    /// <summary>The task's attachments, as the allocator gave them (empty for a service on no network).</summary>
    public IReadOnlyList<NetworkAttachment> Networks { get; init; } = [];

    /// <summary>Published ports with every ingress number resolved by the allocator (null before allocation: <c>Spec.Ports</c>).</summary>
    public IReadOnlyList<PortSpec>? Ports { get; init; }
    public DateTimeOffset? StartAfter { get; init; }

    /// <summary>The restarts of the slot under <see cref="SpecVersion"/> (see <see cref="RestartHistory"/>).</summary>
    public RestartHistory? Restarts { get; init; }

    /// <summary>When the allocator moved the task to pending.</summary>
    public DateTimeOffset? AllocatedAt { get; init; }

    /// <summary>When the task was first reported running.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the task reached a terminal state.</summary>
    public DateTimeOffset? EndedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>W3C traceparent the task's lifecycle is traced under (see <c>TaskTracing</c>).</summary>
    public string? TraceParent { get; init; }

    public bool IsTerminal => TaskStateMachine.IsTerminal(State);

    public static SwarmTask Create(TaskCreated e) => new()
    {
        Id = e.TaskId,
        ServiceId = e.ServiceId,
        ServiceName = e.ServiceName,
        Slot = e.Slot,
        Attempt = e.Attempt,
        SpecVersion = e.SpecVersion,
        Spec = e.Spec,
        DesiredState = e.DesiredState,
        State = TaskState.New,
        Message = "created",
        StartAfter = e.StartAfter,
        Restarts = e.Restarts,
        NodeId = e.NodeId,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.CreatedAt,
        TraceParent = e.TraceParent,
    };

    public SwarmTask Apply(TaskAllocated e) => this with
    {
        State = TaskState.Pending,
        Message = "pending task scheduling",
        NetworkId = e.NetworkId,
        Address = e.Address,
        Networks = e.Networks ?? [],
        Ports = e.Ports,
        AllocatedAt = e.AllocatedAt,
        UpdatedAt = e.AllocatedAt,
    };

    /// <summary>The reason is the task's error while it waits (docker shows it in <c>service ps</c>'s ERROR column); assignment clears it.</summary>
    public SwarmTask Apply(TaskUnschedulable e) => this with { Message = e.Reason, Error = e.Reason, UpdatedAt = e.At };

    public SwarmTask Apply(TaskAssigned e) => this with
    {
        State = TaskState.Assigned,
        Message = "scheduler assigned task to node",
        Error = null,
        NodeId = e.NodeId,
        UpdatedAt = e.AssignedAt,
    };

    public SwarmTask Apply(TaskStatusChanged e) => this with
    {
        State = e.State,
        Message = e.Message,
        Error = e.Error ?? Error,
        ExitCode = e.ExitCode ?? ExitCode,
        StartedAt = StartedAt ?? (e.State == TaskState.Running ? e.At : e.Passed?.FirstOrDefault(p => p.State == TaskState.Running)?.At),
        EndedAt = TaskStateMachine.IsTerminal(e.State) ? e.At : EndedAt,
        UpdatedAt = e.At,
    };

    public SwarmTask Apply(TaskDesiredStateChanged e) => this with { DesiredState = e.DesiredState, UpdatedAt = e.At };

    /// <summary>
    /// The task folded from its stream, as the read model's projection folds it: for a task no longer in
    /// the read model (reaped), whose stream stays in the log.
    /// </summary>
    public static SwarmTask Fold(TaskCreated created, IEnumerable<object> later) =>
        later.Aggregate(Create(created), (task, e) => e switch
        {
            TaskAllocated x => task.Apply(x),
            TaskUnschedulable x => task.Apply(x),
            TaskAssigned x => task.Apply(x),
            TaskStatusChanged x => task.Apply(x),
            TaskDesiredStateChanged x => task.Apply(x),
            _ => task,
        });
}
