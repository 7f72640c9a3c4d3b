using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Exec;

/// <summary>
/// Runs each task as a local process: <c>Command[0]</c> with the other elements as arguments, with
/// the task's environment and working directory. Every task process leads its own session and
/// carries <c>SWARM_TASK_ID</c> and <c>SWARM_NODE_ID</c> in its environment (<see cref="TaskProcesses"/>),
/// and is recorded in the state directory before it runs (a pending record, completed with its pid
/// once started). A restarted agent finds what an earlier one left, by record and by scanning
/// <c>/proc</c> for that mark, even when the earlier agent was killed between starting a process and
/// recording it: the processes of tasks still assigned are adopted instead of started again, the
/// others stopped. Each task's output goes to a file in the state directory that the process writes
/// itself (<see cref="TaskLogFiles"/>), so it is kept across agent restarts.
/// It does not isolate networks: a task process shares the host's network, binds the host's ports itself and
/// reaches other tasks only through the host. It is told its service name, its allocated address and the
/// ports to listen on in the environment (<c>SWARM_SERVICE_NAME</c>, <c>SWARM_TASK_ADDRESS</c>,
/// <c>SWARM_PORT_&lt;target&gt;</c>, <c>PORT</c>); nothing routes that address to it.
/// A task's secrets and configs are files in a tmpfs directory private to the task (<see cref="TaskFilesRoot"/>):
/// <c>$SWARM_SECRETS_DIR/&lt;target&gt;</c>, and <c>$SWARM_CONFIGS_DIR/&lt;target&gt;</c> for a config whose target is
/// a file name or <c>$SWARM_CONFIGS_DIR/&lt;target relative to /&gt;</c> for one whose target is an absolute path
/// (<c>/etc/app.conf</c> → <c>$SWARM_CONFIGS_DIR/etc/app.conf</c>); each variable is set only for a task that has
/// secrets (configs). The directory is removed when the task ends.
/// </summary>
public sealed class ProcessExecutor : IExecutor
{
    private readonly ConcurrentDictionary<string, ProcessController> _controllers = new(StringComparer.Ordinal);
    private readonly Func<string?> _nodeId;
    private readonly object _leftoversGate = new();
    private Dictionary<string, List<TaskProcesses.Found>>? _leftovers;

    /// <param name="stateDir">Where process records and task logs are kept.</param>
    /// <param name="nodeId">This node's id (null until the node registered): the mark of its task processes.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The agent's logger.</param>
    public ProcessExecutor(string stateDir, Func<string?> nodeId, TimeProvider time, ILogger logger)
    {
        _nodeId = nodeId;
        Records = new ProcessRecords(stateDir);
        Logs = new TaskLogFiles(stateDir, time);
        Time = time;
        Logger = logger;
        Files = new TaskFilesRoot(TaskFilesRoot.DefaultPath(stateDir, "process"), logger);
        Setsid = FindSetsid();
        if (Setsid is null)
        {
            logger.LogWarning("process executor: no setsid program found; task processes will not lead their own session");
        }
    }

    public string Name => "process";

    public SecretStore Secrets { get; } = new();

    /// <summary>The tmpfs directory under which tasks get their secret and config files (<see cref="TaskFilesRoot"/>).</summary>
    public string SecretsDir
    {
        get => Files.Path;
        init => Files = new TaskFilesRoot(value, Logger);
    }

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
    internal TaskFilesRoot Files { get; private init; }
    internal TaskLogFiles Logs { get; }
    internal TimeProvider Time { get; }
    internal ILogger Logger { get; }

    /// <summary>
    /// Called with the task id and pid right after a process started, before it is recorded with its
    /// pid (tests stop the agent at that instant by throwing).
    /// </summary>
    internal Action<string, int>? Started { get; init; }

    /// <summary>This node's id, when it has registered.</summary>
    internal string? NodeId => _nodeId() is { Length: > 0 } id ? id : null;

    /// <summary>The <c>setsid</c> program that makes each task process the leader of a new session (null when missing).</summary>
    internal string? Setsid { get; }

    public ITaskController Controller(TaskAssignment task)
    {
        var controller = new ProcessController(this, task);
        _controllers[task.TaskId] = controller;
        return controller;
    }

    public async Task CleanupAsync(IReadOnlySet<string> assignedTaskIds, CancellationToken cancellationToken)
    {
        bool Stale(string taskId) => !assignedTaskIds.Contains(taskId) && !_controllers.ContainsKey(taskId);

        var records = Records.All().Where(r => Stale(r.TaskId)).ToList();
        var grace = records.ToDictionary(r => r.TaskId, r => TimeSpan.FromSeconds(Math.Max(0, r.StopGracePeriodSeconds)), StringComparer.Ordinal);
        var processes = records
            .Where(r => r.Pid > 0)
            .Select(r => new TaskProcesses.Found(r.TaskId, r.Pid, r.StartTime))
            .Concat(TakeLeftovers(Stale))
            .Distinct()
            .Where(p => Posix.IsAlive(p.Pid, p.StartTime))
            .ToList();

        await Task.WhenAll(processes.Select(async p =>
        {
            Logger.LogInformation("task {TaskId} is no longer assigned: stopping its process {Pid}", p.TaskId, p.Pid);
            await ProcessController.TerminateAsync(p.Pid, p.StartTime, grace.GetValueOrDefault(p.TaskId, TaskRunSpec.DefaultStopGracePeriod), Time, cancellationToken);
        }));

        foreach (var record in records)
        {
            Records.Delete(record.TaskId);
        }

        Files.RemoveStale(assignedTaskIds.Concat(_controllers.Keys).ToHashSet(StringComparer.Ordinal));
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

    /// <summary>
    /// Looks in <c>/proc</c>, once, for the marked processes an earlier agent process of this node left
    /// (<see cref="TaskProcesses"/>). Called before this executor starts any process, so what it finds
    /// was started by an earlier agent.
    /// </summary>
    internal void FindLeftovers()
    {
        lock (_leftoversGate)
        {
            LeftoversLocked();
        }
    }

    /// <summary>The leftover processes of a task (once: a second call returns none).</summary>
    internal IReadOnlyList<TaskProcesses.Found> TakeLeftovers(string taskId) => TakeLeftovers(id => id == taskId);

    internal void Forget(ProcessController controller) =>
        _controllers.TryRemove(new KeyValuePair<string, ProcessController>(controller.TaskId, controller));

    private List<TaskProcesses.Found> TakeLeftovers(Func<string, bool> which)
    {
        lock (_leftoversGate)
        {
            var leftovers = LeftoversLocked();
            var taken = leftovers.Where(kv => which(kv.Key)).ToList();
            foreach (var (taskId, _) in taken)
            {
                leftovers.Remove(taskId);
            }

            return taken.SelectMany(kv => kv.Value).ToList();
        }
    }

    private Dictionary<string, List<TaskProcesses.Found>> LeftoversLocked()
    {
        if (_leftovers is null)
        {
            var nodeId = NodeId;
            var found = nodeId is null || !OperatingSystem.IsLinux() ? [] : TaskProcesses.OfNode(nodeId);
            if (found.Count > 0)
            {
                Logger.LogInformation("process executor: {Count} task process(es) of node {NodeId} are running from before this agent started", found.Count, nodeId);
            }

            _leftovers = found.GroupBy(p => p.TaskId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        }

        return _leftovers;
    }

    private static string? FindSetsid()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/bin")
            .Select(dir => Path.Combine(dir, "setsid"))
            .FirstOrDefault(candidate => File.Exists(candidate) && Posix.IsExecutable(candidate));
    }

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
