using System.Text.Json;
using Swarm.Contracts.Model;

namespace Swarm.Ctl.Api;

// The control API's JSON, as far as the command line reads it.

public sealed record ServiceSummary
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Mode { get; init; } = "replicated";
    public int Replicas { get; init; }
    public int Running { get; init; }

    /// <summary>Jobs: tasks of the current iteration that completed.</summary>
    public int? Completed { get; init; }

    /// <summary>Jobs: tasks that must complete.</summary>
    public int? TotalCompletions { get; init; }

    /// <summary>What <c>service ls</c> shows: <c>3/3</c>, <c>global 5/5</c>, <c>job 7/10 completed</c>.</summary>
    public string Progress { get; init; } = "";
    public UpdateStatusView? UpdateStatus { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string> Command { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public sealed record ServiceDetail
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Mode { get; init; } = "replicated";
    public int Replicas { get; init; }
    public int Running { get; init; }
    public int? Completed { get; init; }
    public int? TotalCompletions { get; init; }
    public string Progress { get; init; } = "";
    public IReadOnlyDictionary<string, int> TaskStates { get; init; } = new Dictionary<string, int>();
    public long SpecVersion { get; init; }
    public ServiceSpec Spec { get; init; } = new();
    public ServiceSpec? PreviousSpec { get; init; }
    public UpdateStatusView? UpdateStatus { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// Where the last rolling update or rollback of a service stands. <see cref="State"/> is one of
/// <c>updating</c>, <c>paused</c>, <c>completed</c>, <c>rollback_started</c>, <c>rollback_paused</c>,
/// <c>rollback_completed</c>.
/// </summary>
public sealed record UpdateStatusView
{
    public string State { get; init; } = "";
    public string Message { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    public bool InProgress => State is "updating" or "rollback_started";

    public bool IsPaused => State is "paused" or "rollback_paused";
}

public sealed record TaskSummary
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Service { get; init; } = "";
    public Guid ServiceId { get; init; }
    public int Slot { get; init; }
    public int Attempt { get; init; }
    public string? Node { get; init; }
    public Guid? NodeId { get; init; }
    public TaskState State { get; init; }
    public DesiredState DesiredState { get; init; }
    public string Message { get; init; } = "";
    public string? Error { get; init; }
    public int? ExitCode { get; init; }
    public string? Address { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public sealed record TaskHistoryEntry
{
    public long Version { get; init; }
    public long Sequence { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public string Type { get; init; } = "";
    public string Summary { get; init; } = "";
    public JsonElement Data { get; init; }
}

public sealed record TaskDetail
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Service { get; init; } = "";
    public string? Node { get; init; }
    public TaskState State { get; init; }
    public DesiredState DesiredState { get; init; }
    public IReadOnlyList<TaskHistoryEntry> History { get; init; } = [];
}

/// <summary><c>GET /api/tasks/{id}/trace</c>: the steps of a task's lifecycle; seconds as numbers.</summary>
public sealed record TaskTrace
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Service { get; init; } = "";
    public string? Node { get; init; }
    public TaskState State { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public double Total { get; init; }
    public IReadOnlyList<TraceStep> Steps { get; init; } = [];
}

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

public sealed record NodeView
{
    public Guid Id { get; init; }
    public string Hostname { get; init; } = "";
    public NodeStatus Status { get; init; }
    public string StatusMessage { get; init; } = "";
    public NodeAvailability Availability { get; init; }
    public string Role { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> AgentLabels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> OperatorLabels { get; init; } = new Dictionary<string, string>();
    public string Executor { get; init; } = "";
    public string Os { get; init; } = "";
    public string Architecture { get; init; } = "";
    public long NanoCpus { get; init; }
    public long MemoryBytes { get; init; }
    public int Tasks { get; init; }
    public DateTimeOffset RegisteredAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Answer to an accepted command.</summary>
public sealed record CommandResult
{
    public Guid Id { get; init; }
    public long Version { get; init; }
}

/// <summary>Body of an error answer.</summary>
public sealed record ApiErrorBody
{
    public string Code { get; init; } = "";
    public string Field { get; init; } = "";
    public string Reason { get; init; } = "";
}

/// <summary>Body of <c>POST /api/services/{name}/update</c>; null members are left out and keep their value.</summary>
public sealed record UpdateServiceBody
{
    /// <summary>The spec version the body was derived from: the API refuses it (409) if the service moved on.</summary>
    public long? Version { get; init; }

    public int? Replicas { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public RestartPolicySpec? RestartPolicy { get; init; }
    public double? StopGracePeriodSeconds { get; init; }
    public UpdateConfigSpec? UpdateConfig { get; init; }
    public UpdateConfigSpec? RollbackConfig { get; init; }

    /// <summary>Replace every task even if nothing changed.</summary>
    public bool? Force { get; init; }

    /// <summary>Return to the previous spec; sent alone.</summary>
    public bool? Rollback { get; init; }

    /// <summary>The whole spec, with placement, resource and port changes merged in (the name stays).</summary>
    public ServiceSpec? Spec { get; init; }
}

/// <summary><c>GET /api/cluster</c>.</summary>
public sealed record ClusterView
{
    public Guid Id { get; init; }
    public int TaskHistoryLimit { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>Body of <c>POST /api/cluster/update</c>.</summary>
public sealed record UpdateClusterBody
{
    public int? TaskHistoryLimit { get; init; }
}

/// <summary>Body of <c>POST /api/nodes/{id}/update</c>.</summary>
public sealed record UpdateNodeBody
{
    public NodeAvailability? Availability { get; init; }
    public IReadOnlyDictionary<string, string>? LabelAdd { get; init; }
    public IReadOnlyList<string>? LabelRemove { get; init; }
}
