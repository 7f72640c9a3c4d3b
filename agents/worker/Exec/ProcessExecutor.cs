using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Swarm.Worker.Exec;

/// <summary>
/// Runs each task as a local process: <c>Command[0]</c> with the other elements as arguments, with
/// the task's environment and working directory. Started processes are recorded in the state
/// directory; a restarted agent adopts the ones still alive instead of starting them again. Each
/// task's output goes to a file in the state directory that the process writes itself
/// (<see cref="TaskLogFiles"/>), so it is kept across agent restarts.
/// </summary>
public sealed class ProcessExecutor : IExecutor
{
    private readonly ConcurrentDictionary<string, ProcessController> _controllers = new(StringComparer.Ordinal);

    public ProcessExecutor(string stateDir, TimeProvider time, ILogger logger)
    {
        Records = new ProcessRecords(stateDir);
        Logs = new TaskLogFiles(stateDir, time);
        Time = time;
        Logger = logger;
    }

    public string Name => "process";

    /// <summary>How often an adopted process (not a child of this agent) is checked for exit.</summary>
    public TimeSpan AdoptedPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A task's log file larger than this is rotated (one older file is kept).</summary>
    public long MaxLogBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>How often log files are checked for new lines (follow) and for their size.</summary>
    public TimeSpan LogPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Log files of tasks that no longer run are deleted when not written for this long.</summary>
    public TimeSpan LogRetention { get; init; } = TimeSpan.FromHours(24);

    /// <summary>At most this many log files of tasks that no longer run are kept (the newest).</summary>
    public int MaxRetainedLogs { get; init; } = 200;

    internal ProcessRecords Records { get; }
    internal TaskLogFiles Logs { get; }
    internal TimeProvider Time { get; }
    internal ILogger Logger { get; }

    public ITaskController Controller(TaskAssignment task)
    {
        var controller = new ProcessController(this, task);
        _controllers[task.TaskId] = controller;
        return controller;
    }

    public async Task CleanupAsync(IReadOnlySet<string> assignedTaskIds, CancellationToken cancellationToken)
    {
        var stale = Records.All().Where(r => !assignedTaskIds.Contains(r.TaskId)).ToList();
        await Task.WhenAll(stale.Select(async record =>
        {
            if (Posix.IsAlive(record.Pid, record.StartTime))
            {
                Logger.LogInformation("task {TaskId} is no longer assigned: stopping its process {Pid}", record.TaskId, record.Pid);
                await ProcessController.TerminateAsync(record.Pid, record.StartTime, TimeSpan.FromSeconds(Math.Max(0, record.StopGracePeriodSeconds)), Time, cancellationToken);
            }

            Records.Delete(record.TaskId);
        }));

        PruneLogs();
    }

    public async IAsyncEnumerable<LogEntry> LogsAsync(string taskId, bool follow, int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!ProcessRecords.IsValidTaskId(taskId))
        {
            yield break;
        }

        await foreach (var entry in Logs.ReadAsync(taskId, follow, Math.Max(0, tail), () => IsRunning(taskId), LogPollInterval, cancellationToken))
        {
            yield return entry;
        }
    }

    /// <summary>Whether the task has not ended yet: it has a controller here that has not seen it end, or a live recorded process.</summary>
    internal bool IsRunning(string taskId)
    {
        if (_controllers.TryGetValue(taskId, out var controller))
        {
            return !controller.HasExited;
        }

        return Records.Load(taskId) is { } record && Posix.IsAlive(record.Pid, record.StartTime);
    }

    internal void Forget(ProcessController controller) =>
        _controllers.TryRemove(new KeyValuePair<string, ProcessController>(controller.TaskId, controller));

    /// <summary>Deletes the log files of tasks that no longer run once they are old, or too many.</summary>
    internal void PruneLogs()
    {
        try
        {
            var cutoff = Time.GetUtcNow().UtcDateTime - LogRetention;
            var ended = Logs.All()
                .Where(f => !_controllers.ContainsKey(f.TaskId) && !IsRunning(f.TaskId))
                .OrderByDescending(f => f.LastWriteUtc)
                .ToList();
            foreach (var (taskId, lastWrite) in ended.Select((f, i) => (f, i)).Where(x => x.i >= MaxRetainedLogs || x.f.LastWriteUtc < cutoff).Select(x => x.f))
            {
                Logger.LogDebug("deleting the log of task {TaskId} (last written {LastWrite:o})", taskId, lastWrite);
                Logs.Delete(taskId);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Logger.LogWarning("pruning task logs failed: {Message}", ex.Message);
        }
    }
}
