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

    /// <summary>Time between SIGTERM and SIGKILL when the task is stopped.</summary>
    public TimeSpan StopGracePeriod =>
        StopGracePeriodSeconds is { } s && s >= 0 ? TimeSpan.FromSeconds(s) : DefaultStopGracePeriod;
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
}

/// <summary>How a task's process ended. A null exit code means it is not known.</summary>
public sealed record TaskExit(int? ExitCode);

/// <summary>A task state the agent reports.</summary>
public sealed record StatusUpdate(string TaskId, TaskState State, string Message, string? Error, int? ExitCode, DateTimeOffset At);

/// <summary>The executor cannot run the task (the task ends <c>rejected</c> with this reason).</summary>
public sealed class TaskRejectedException(string message) : Exception(message);
