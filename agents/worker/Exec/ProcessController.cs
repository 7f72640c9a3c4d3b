using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Exec;

/// <summary>One task's process: started here, or adopted from an earlier agent process.</summary>
internal sealed class ProcessController : ITaskController
{
    /// <summary>
    /// Starts the task's program (<c>"$@"</c>) with stdin from /dev/null and stdout and stderr
    /// appended to the log file (<c>$0</c>): the process owns its output, whether or not an agent runs.
    /// </summary>
    private const string Launcher = "exec </dev/null >>\"$0\" 2>&1; exec \"$@\"";

    /// <summary>The task's secrets directory, for a task with secrets.</summary>
    public const string SecretsDirVariable = "SWARM_SECRETS_DIR";

    /// <summary>The task's configs directory, for a task with configs.</summary>
    public const string ConfigsDirVariable = "SWARM_CONFIGS_DIR";

    private readonly ProcessExecutor _executor;
    private readonly TaskAssignment _task;
    private readonly ProcessRecords _records;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<TaskExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _watch = new();
    private Process? _process;
    private int _pid;
    private long _startTime;
    private bool _leadsGroup;
    private TaskFiles? _files;

    public ProcessController(ProcessExecutor executor, TaskAssignment task)
    {
        _executor = executor;
        _task = task;
        _records = executor.Records;
        _time = executor.Time;
        _pollInterval = executor.AdoptedPollInterval;
        _logger = executor.Logger;
    }

    public string TaskId => _task.TaskId;

    /// <summary>The process was seen to end.</summary>
    public bool HasExited => _exit.Task.IsCompleted;

    public async Task<TaskRecovery> RecoverAsync(CancellationToken cancellationToken)
    {
        // what an earlier agent process left: the recorded process, and any process marked with this
        // task (started, but killed before it was recorded; or, after an earlier fault, started twice)
        var record = _records.Load(_task.TaskId);
        var live = new List<TaskProcesses.Found>();
        if (record is { Pid: > 0 } && Posix.IsAlive(record.Pid, record.StartTime))
        {
            live.Add(new TaskProcesses.Found(_task.TaskId, record.Pid, record.StartTime));
        }

        live.AddRange(_executor.TakeLeftovers(_task.TaskId)
            .Where(p => !live.Contains(p) && Posix.IsAlive(p.Pid, p.StartTime))
            .OrderBy(p => p.StartTime));

        if (live.Count == 0)
        {
            if (record is null)
            {
                return TaskRecovery.None;
            }

            // recorded (perhaps only as about to start) but not running: how it ended is not known
            _records.Delete(_task.TaskId);
            return TaskRecovery.Lost;
        }

        var grace = record is null ? _task.Spec.StopGracePeriod : TimeSpan.FromSeconds(Math.Max(0, record.StopGracePeriodSeconds));
        foreach (var extra in live.Skip(1))
        {
            _logger.LogWarning("task {TaskId}: process {Pid} runs it a second time; stopping it", _task.TaskId, extra.Pid);
            await TerminateAsync(extra.Pid, extra.StartTime, grace, _time, cancellationToken);
        }

        _pid = live[0].Pid;
        _startTime = live[0].StartTime;
        _leadsGroup = Posix.Session(_pid) == _pid;
        if (record is null || record.Pid != _pid || record.StartTime != _startTime)
        {
            _logger.LogInformation("task {TaskId}: process {Pid} was started but not recorded by the earlier agent; recording it", _task.TaskId, _pid);
            TrySave(new ProcessRecord(_task.TaskId, _pid, _startTime, grace.TotalSeconds));
        }

        _logger.LogInformation("task {TaskId}: adopted running process {Pid}", _task.TaskId, _pid);
        _ = PollAdoptedAsync(_watch.Token);
        _ = KeepLogBoundedAsync(_watch.Token);
        return TaskRecovery.Running;
    }

    public Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (_task.Spec.Command.Count == 0 || string.IsNullOrWhiteSpace(_task.Spec.Command[0]))
        {
            throw new TaskRejectedException("task: no command to run");
        }

        if (!string.IsNullOrEmpty(_task.Spec.WorkingDir) && !Directory.Exists(_task.Spec.WorkingDir))
        {
            throw new TaskRejectedException($"task: working directory {_task.Spec.WorkingDir} does not exist");
        }

        if (TaskFilesRoot.Needs(_task.Spec))
        {
            _files = _executor.Files.Materialise(_task, _executor.Secrets);
        }

        return Task.CompletedTask;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var spec = _task.Spec;
        var workingDir = string.IsNullOrEmpty(spec.WorkingDir) ? null : spec.WorkingDir;
        var program = ResolveProgram(spec.Command[0], spec.Env, workingDir);

        string logPath;
        try
        {
            logPath = _executor.Logs.Create(_task.TaskId);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TaskRejectedException($"task: cannot create its log file: {ex.Message}");
        }

        // the scan for what an earlier agent left happens before this one starts anything
        _executor.FindLeftovers();

        // a session of its own: the task and its children form one group, found and stopped together
        var psi = new ProcessStartInfo(_executor.Setsid ?? "/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDir ?? "",
        };
        if (_executor.Setsid is not null)
        {
            psi.ArgumentList.Add("/bin/sh");
        }

        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Launcher);
        psi.ArgumentList.Add(logPath);
        psi.ArgumentList.Add(program);
        foreach (var arg in spec.Command.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }

        // the agent's own settings are not the task's: its join token, its telemetry key, its configuration
        foreach (var key in psi.Environment.Keys.Where(IsAgentSetting).ToList())
        {
            psi.Environment.Remove(key);
        }

        foreach (var (key, value) in spec.Env)
        {
            psi.Environment[key] = value;
        }

        foreach (var (key, value) in NetworkEnvironment(_task))
        {
            psi.Environment[key] = value;
        }

        // the task's own secret and config directories, and no others (not an agent's own, inherited)
        SetOrRemove(psi.Environment, SecretsDirVariable, _files?.SecretsDir);
        SetOrRemove(psi.Environment, ConfigsDirVariable, _files?.ConfigsDir);

        // the mark that finds the process when no record of it was written
        psi.Environment[TaskProcesses.TaskIdVariable] = _task.TaskId;
        psi.Environment[TaskProcesses.NodeIdVariable] = _executor.NodeId ?? _task.NodeId;

        // recorded before it runs: an agent killed from here on leaves a record saying the task was started
        var grace = spec.StopGracePeriod.TotalSeconds;
        TrySave(new ProcessRecord(_task.TaskId, 0, 0, grace));

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new TaskRejectedException($"task: cannot start {spec.Command[0]}");
        }
        catch (Exception ex) when (ex is Win32Exception or TaskRejectedException)
        {
            _records.Delete(_task.TaskId);
            throw ex as TaskRejectedException ?? new TaskRejectedException($"task: cannot start {spec.Command[0]}: {ex.Message}");
        }

        _executor.Started?.Invoke(_task.TaskId, process.Id);
        _process = process;
        _pid = process.Id;
        _startTime = Posix.StartTime(_pid) ?? 0;
        _leadsGroup = _executor.Setsid is not null;
        TrySave(new ProcessRecord(_task.TaskId, _pid, _startTime, grace));

        _ = WatchChildAsync(process);
        _ = KeepLogBoundedAsync(_watch.Token);
        _executor.PruneLogs();
        if (_leadsGroup)
        {
            await LeadingItsSessionAsync(process, cancellationToken);
        }
    }

    /// <summary>
    /// What a process learns of its networking (it is not isolated: it shares the host's network):
    /// <c>SWARM_SERVICE_NAME</c>; <c>SWARM_TASK_ADDRESS</c>, its address on its first network, when it has one;
    /// and for each published port <c>SWARM_PORT_&lt;target&gt;=&lt;published&gt;</c>, the port to listen on
    /// (plus <c>PORT</c> when there is exactly one). The task's own environment does not override these.
    /// </summary>
    /// <summary>
    /// A variable of the agent's own environment a task process does not inherit: <c>SWARM_*</c> (the join token among
    /// them), <c>Swarm__*</c>, <c>Worker__*</c> and <c>ConnectionStrings__*</c> (configuration), <c>OTEL_*</c> (the telemetry
    /// endpoint and its key).
    /// A task that needs one gets it from its spec.
    /// </summary>
    internal static bool IsAgentSetting(string key) =>
        key.StartsWith("SWARM_", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Swarm__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Worker__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase);

    internal static IReadOnlyDictionary<string, string> NetworkEnvironment(TaskAssignment task)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["SWARM_SERVICE_NAME"] = task.ServiceName,
        };
        if (task.Spec.Networks.FirstOrDefault(n => n.Address.Length > 0) is { } network)
        {
            env["SWARM_TASK_ADDRESS"] = network.Address;
        }

        var published = task.Spec.Ports.Where(p => p.Published > 0).ToList();
        foreach (var port in published)
        {
            env[$"SWARM_PORT_{port.Target.ToString(System.Globalization.CultureInfo.InvariantCulture)}"] = port.Published.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (published.Count == 1)
        {
            env["PORT"] = published[0].Published.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return env;
    }

    private static void SetOrRemove(IDictionary<string, string?> environment, string name, string? value)
    {
        if (value is null)
        {
            environment.Remove(name);
        }
        else
        {
            environment[name] = value;
        }
    }

    /// <summary>
    /// Waits (at most a second) until <c>setsid</c> has made the process the leader of its own session: only
    /// then can it be found by the scan for leftovers and stopped with its group, so the task is not
    /// reported started before.
    /// </summary>
    private async Task LeadingItsSessionAsync(Process process, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (Posix.Session(_pid) != _pid && !process.HasExited && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(2, cancellationToken);
        }
    }

    /// <summary>
    /// The program a command names, as an absolute path, looked up the way <c>execvp</c> does: a name
    /// with a slash is a path (relative to the working directory), any other is searched for in the
    /// task's <c>PATH</c> (or the agent's). Throws <see cref="TaskRejectedException"/> when there is
    /// no such executable.
    /// </summary>
    internal static string ResolveProgram(string command, IReadOnlyDictionary<string, string> env, string? workingDir)
    {
        var baseDir = workingDir ?? Environment.CurrentDirectory;
        if (command.Contains('/', StringComparison.Ordinal))
        {
            var path = Path.GetFullPath(command, baseDir);
            if (!File.Exists(path))
            {
                throw new TaskRejectedException($"task: cannot start {command}: no such file or directory");
            }

            return Posix.IsExecutable(path) ? path : throw new TaskRejectedException($"task: cannot start {command}: permission denied");
        }

        var searchPath = env.TryGetValue("PATH", out var taskPath) ? taskPath : Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        var denied = false;
        foreach (var dir in searchPath.Split(':'))
        {
            var candidate = Path.GetFullPath(Path.Combine(dir.Length == 0 ? "." : dir, command), baseDir);
            if (!File.Exists(candidate))
            {
                continue;
            }

            if (Posix.IsExecutable(candidate))
            {
                return candidate;
            }

            denied = true;
        }

        throw new TaskRejectedException(denied
            ? $"task: cannot start {command}: permission denied"
            : $"task: cannot start {command}: executable file not found in $PATH");
    }

    public Task<TaskExit> WaitAsync(CancellationToken cancellationToken) => _exit.Task.WaitAsync(cancellationToken);

    public async Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (_pid <= 0 || _exit.Task.IsCompleted)
        {
            return;
        }

        Posix.Signal(_pid, Posix.SIGTERM);
        if (!await ExitedWithinAsync(gracePeriod, cancellationToken))
        {
            _logger.LogInformation("task {TaskId}: process {Pid} still running after {Grace}; killing it", _task.TaskId, _pid, gracePeriod);
            KillTree(_process, _pid, _startTime, _leadsGroup);
            await ExitedWithinAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }

        // what the task started and left behind in its group ends with it
        if (_leadsGroup)
        {
            Posix.SignalGroup(_pid, Posix.SIGKILL);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // from now on the record (or its absence) tells whether the task runs
        _executor.Forget(this);
        await _watch.CancelAsync();
        _watch.Dispose();
        if (_exit.Task.IsCompleted)
        {
            _records.Delete(_task.TaskId);
        }

        // the task ended (or never started): its files go; a process left running for a later agent keeps them
        if (_exit.Task.IsCompleted || _pid <= 0)
        {
            _executor.Files.Remove(_task.TaskId);
        }

        _process?.Dispose();
    }

    /// <summary>
    /// Stops a recorded or found process that is not a child of this agent (SIGTERM, then SIGKILL
    /// after the grace period); the group it leads is killed with it.
    /// </summary>
    public static async Task TerminateAsync(int pid, long startTime, TimeSpan gracePeriod, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Posix.IsAlive(pid, startTime))
        {
            return;
        }

        var leadsGroup = Posix.Session(pid) == pid;
        Posix.Signal(pid, Posix.SIGTERM);
        var deadline = time.GetUtcNow() + gracePeriod;
        while (Posix.IsAlive(pid, startTime) && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }

        if (Posix.IsAlive(pid, startTime))
        {
            KillTree(null, pid, startTime, leadsGroup);
        }

        if (leadsGroup)
        {
            Posix.SignalGroup(pid, Posix.SIGKILL);
        }
    }

    private static void KillTree(Process? child, int pid, long startTime, bool leadsGroup)
    {
        if (leadsGroup && Posix.IsAlive(pid, startTime))
        {
            Posix.SignalGroup(pid, Posix.SIGKILL);
        }

        try
        {
            if (child is not null)
            {
                child.Kill(entireProcessTree: true);
                return;
            }

            if (Posix.IsAlive(pid, startTime))
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or Win32Exception)
        {
            // exited meanwhile; make sure the main process is gone
            if (Posix.IsAlive(pid, startTime))
            {
                Posix.Signal(pid, Posix.SIGKILL);
            }
        }
    }

    private void TrySave(ProcessRecord record)
    {
        try
        {
            _records.Save(record);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "task {TaskId}: could not record its process; a restarted agent finds it by its environment", _task.TaskId);
        }
    }

    private async Task<bool> ExitedWithinAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _exit.Task.WaitAsync(timeout, _time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task WatchChildAsync(Process process)
    {
        try
        {
            await process.WaitForExitAsync(_watch.Token);
            _exit.TrySetResult(new TaskExit(process.ExitCode));
        }
        catch (OperationCanceledException)
        {
            // the agent is shutting down; the process keeps running and is adopted next time
        }
    }

    /// <summary>Rotates the task's log file when it passes the size limit, while the task runs.</summary>
    private async Task KeepLogBoundedAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!_exit.Task.IsCompleted)
            {
                await Task.WhenAny(_exit.Task, Task.Delay(_executor.LogPollInterval * 4, _time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    if (_executor.Logs.RotateIfLarger(_task.TaskId, _executor.MaxLogBytes))
                    {
                        _logger.LogDebug("task {TaskId}: log file rotated", _task.TaskId);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _logger.LogWarning("task {TaskId}: rotating the log file failed: {Message}", _task.TaskId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PollAdoptedAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (Posix.IsAlive(_pid, _startTime))
            {
                await Task.Delay(_pollInterval, _time, cancellationToken);
            }

            // not our child: its exit status went to someone else
            _exit.TrySetResult(new TaskExit(null));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
