using Swarm.Contracts.Model;

namespace Swarm.Worker.Exec;

/// <summary>What a task runs, as the agent received it.</summary>
public sealed record TaskRunSpec
{
    public static readonly TimeSpan DefaultStopGracePeriod = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Command { get; init; } = [];
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public string? WorkingDir { get; init; }
    public double? StopGracePeriodSeconds { get; init; }
    public string? Image { get; init; }

    /// <summary>Container executors: the user the task runs as.</summary>
    public string? User { get; init; }

    /// <summary>Container executors: labels from the service spec.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>CPU limit in billionths of a core; 0 means none.</summary>
    public long LimitNanoCpus { get; init; }

    /// <summary>Memory limit in bytes; 0 means none.</summary>
    public long LimitMemoryBytes { get; init; }

    public TaskHealthcheck? Healthcheck { get; init; }

    /// <summary>Container ports the task publishes (container executors run such tasks on the host network).</summary>
    public IReadOnlyList<int> PublishedPorts { get; init; } = [];

    /// <summary>Time between SIGTERM and SIGKILL when the task is stopped.</summary>
    public TimeSpan StopGracePeriod =>
        StopGracePeriodSeconds is { } s && s >= 0 ? TimeSpan.FromSeconds(s) : DefaultStopGracePeriod;
}

/// <summary>A container healthcheck: while it has not passed the task stays <c>starting</c>.</summary>
public sealed record TaskHealthcheck
{
    /// <summary>As in Docker: <c>["CMD", "prog", "arg"]</c>, <c>["CMD-SHELL", "command line"]</c> or <c>["NONE"]</c>.</summary>
    public IReadOnlyList<string> Test { get; init; } = [];
    public TimeSpan? Interval { get; init; }
    public TimeSpan? Timeout { get; init; }
    public int? Retries { get; init; }
    public TimeSpan? StartPeriod { get; init; }
}

/// <summary>A task assigned to this node, with the states the managers know of.</summary>
public sealed record TaskAssignment
{
    public string TaskId { get; init; } = "";
    public string ServiceId { get; init; } = "";
    public string ServiceName { get; init; } = "";
    public int Slot { get; init; }
    public TaskRunSpec Spec { get; init; } = new();
    public DesiredState DesiredState { get; init; }
    public TaskState State { get; init; }

    /// <summary>The node the managers assigned the task to.</summary>
    public string NodeId { get; init; } = "";

    /// <summary>W3C traceparent of the task's lifecycle trace, when the managers traced it.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>
/// How a task's process ended. A null exit code means it is not known; an error means the task
/// failed whatever its exit code (an unhealthy container).
/// </summary>
public sealed record TaskExit(int? ExitCode, string? Error = null);

/// <summary>One line of a task's output.</summary>
public sealed record LogEntry(string TaskId, string Stream, string Text, DateTimeOffset At);

/// <summary>A task state the agent reports.</summary>
public sealed record StatusUpdate(string TaskId, TaskState State, string Message, string? Error, int? ExitCode, DateTimeOffset At);

/// <summary>The executor cannot run the task (the task ends <c>rejected</c> with this reason).</summary>
public sealed class TaskRejectedException(string message) : Exception(message);

/// <summary>The task started but cannot go on (the task ends <c>failed</c> with this reason).</summary>
public sealed class TaskFailedException(string message) : Exception(message);
