using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Swarm.Worker.Exec;

/// <summary>One task's process: started here, or adopted from an earlier agent process.</summary>
internal sealed class ProcessController : ITaskController
{
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

    public ProcessController(TaskAssignment task, ProcessRecords records, TimeProvider time, TimeSpan pollInterval, ILogger logger)
    {
        _task = task;
        _records = records;
        _time = time;
        _pollInterval = pollInterval;
        _logger = logger;
    }

    public Task<TaskRecovery> RecoverAsync(CancellationToken cancellationToken)
    {
        if (_records.Load(_task.TaskId) is not { } record)
        {
            return Task.FromResult(TaskRecovery.None);
        }

        if (!Posix.IsAlive(record.Pid, record.StartTime))
        {
            _records.Delete(_task.TaskId);
            return Task.FromResult(TaskRecovery.Lost);
        }

        _pid = record.Pid;
        _startTime = record.StartTime;
        _logger.LogInformation("task {TaskId}: adopted running process {Pid}", _task.TaskId, _pid);
        _ = PollAdoptedAsync(_watch.Token);
        return Task.FromResult(TaskRecovery.Running);
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

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var spec = _task.Spec;
        var psi = new ProcessStartInfo(spec.Command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            WorkingDirectory = string.IsNullOrEmpty(spec.WorkingDir) ? "" : spec.WorkingDir,
        };
        foreach (var arg in spec.Command.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in spec.Env)
        {
            psi.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new TaskRejectedException($"task: cannot start {spec.Command[0]}");
        }
        catch (Win32Exception ex)
        {
            throw new TaskRejectedException($"task: cannot start {spec.Command[0]}: {ex.Message}");
        }

        // the task reads nothing from the agent
        process.StandardInput.Close();
        _process = process;
        _pid = process.Id;
        _startTime = Posix.StartTime(_pid) ?? 0;
        try
        {
            _records.Save(new ProcessRecord(_task.TaskId, _pid, _startTime, spec.StopGracePeriod.TotalSeconds));
        }
        catch (IOException ex)
        {
            _logger.LogWarning(ex, "task {TaskId}: could not record process {Pid}; it will not be adopted after a restart", _task.TaskId, _pid);
        }

        _ = WatchChildAsync(process);
        return Task.CompletedTask;
    }

    public Task<TaskExit> WaitAsync(CancellationToken cancellationToken) => _exit.Task.WaitAsync(cancellationToken);

    public async Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (_pid <= 0 || _exit.Task.IsCompleted)
        {
            return;
        }

        Posix.Signal(_pid, Posix.SIGTERM);
        if (await ExitedWithinAsync(gracePeriod, cancellationToken))
        {
            return;
        }

        _logger.LogInformation("task {TaskId}: process {Pid} still running after {Grace}; killing it", _task.TaskId, _pid, gracePeriod);
        KillTree(_process, _pid, _startTime);
        await ExitedWithinAsync(TimeSpan.FromSeconds(10), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _watch.CancelAsync();
        _watch.Dispose();
        if (_exit.Task.IsCompleted)
        {
            _records.Delete(_task.TaskId);
        }

        _process?.Dispose();
    }

    /// <summary>Stops a recorded process that is not a child of this agent (SIGTERM, then SIGKILL after the grace period).</summary>
    public static async Task TerminateAsync(int pid, long startTime, TimeSpan gracePeriod, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Posix.IsAlive(pid, startTime))
        {
            return;
        }

        Posix.Signal(pid, Posix.SIGTERM);
        var deadline = time.GetUtcNow() + gracePeriod;
        while (Posix.IsAlive(pid, startTime) && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }

        if (Posix.IsAlive(pid, startTime))
        {
            KillTree(null, pid, startTime);
        }
    }

    private static void KillTree(Process? child, int pid, long startTime)
    {
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
            Posix.Signal(pid, Posix.SIGKILL);
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
