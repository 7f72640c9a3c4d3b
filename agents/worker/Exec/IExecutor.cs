using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Exec;

/// <summary>What a controller found of a task from before this agent process started.</summary>
public enum TaskRecovery
{
    /// <summary>The task was never started here: run it.</summary>
    None,

    /// <summary>The task is still running (started by an earlier agent process): it is watched, not started again.</summary>
    Running,

    /// <summary>
    /// The task is still running but not yet ready (a container whose healthcheck has not passed):
    /// it is watched, not started again; <c>StartAsync</c> waits until it is ready.
    /// </summary>
    Starting,

    /// <summary>The task was started here once but is gone, and how it ended is not known.</summary>
    Lost,

    /// <summary>The task was started by an earlier agent process and has ended; <c>WaitAsync</c> tells how.</summary>
    Exited,
}

/// <summary>The container engine behind an executor, as the node description reports it.</summary>
public sealed record EngineDescription(string Version, IReadOnlyDictionary<string, string> Labels);

/// <summary>Runs tasks on this node (SwarmKit's <c>exec.Executor</c>).</summary>
public interface IExecutor
{
    /// <summary>The name agents register with (<c>process</c>, <c>sim</c>).</summary>
    string Name { get; }

    /// <summary>
    /// The values of the secrets and configs this node's tasks reference, in memory: the agent keeps it as its
    /// assignments say; a controller reads from it what its task references (SwarmKit's <c>SecretsProvider</c>).
    /// </summary>
    SecretStore Secrets { get; }

    /// <summary>A controller for one task.</summary>
    ITaskController Controller(TaskAssignment task);

    /// <summary>
    /// Called once, with the first complete assignment set after the agent started: ends whatever an
    /// earlier agent process left running for tasks that are no longer assigned.
    /// </summary>
    Task CleanupAsync(IReadOnlySet<string> assignedTaskIds, CancellationToken cancellationToken);

    /// <summary>The engine's version and labels, for executors that run on one (null otherwise).</summary>
    Task<EngineDescription?> DescribeEngineAsync(CancellationToken cancellationToken) => Task.FromResult<EngineDescription?>(null);

    /// <summary>
    /// The output this node keeps of a task: the last <paramref name="tail"/> lines (all when 0),
    /// then, when <paramref name="follow"/> is set, new lines until the task ends. Nothing when the task is unknown here.
    /// </summary>
    IAsyncEnumerable<LogEntry> LogsAsync(string taskId, bool follow, int tail, CancellationToken cancellationToken) => AsyncEnumerable.Empty<LogEntry>();
}

/// <summary>The lifecycle of one task on the executor (SwarmKit's <c>exec.Controller</c>).</summary>
public interface ITaskController : IAsyncDisposable
{
    /// <summary>Looks for the task left by an earlier agent process; <see cref="TaskRecovery.Running"/> and <see cref="TaskRecovery.Starting"/> adopt it.</summary>
    Task<TaskRecovery> RecoverAsync(CancellationToken cancellationToken);

    /// <summary>Everything short of starting. Throws <see cref="TaskRejectedException"/> when the task cannot run.</summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts the task (for one adopted as <see cref="TaskRecovery.Starting"/>: waits until it is ready).
    /// Throws <see cref="TaskRejectedException"/> when it cannot be started.
    /// </summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Completes when the started (or adopted) task exits on its own or after <see cref="StopAsync"/>.</summary>
    Task<TaskExit> WaitAsync(CancellationToken cancellationToken);

    /// <summary>Ends the task: a polite request first, a forced end after <paramref name="gracePeriod"/>.</summary>
    Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken);
}
