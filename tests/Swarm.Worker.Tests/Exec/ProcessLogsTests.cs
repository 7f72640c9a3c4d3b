using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Tests.Exec;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessLogsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "swarm-worker-tests", Guid.NewGuid().ToString("N"));
    private readonly string _nodeId = "node-" + Guid.NewGuid().ToString("N");
    private readonly RecordingSink _sink = new();
    private readonly List<int> _pids = [];

    public void Dispose()
    {
        foreach (var pid in _pids)
        {
            Posix.Signal(pid, Posix.SIGKILL);
        }

        try
        {
            Directory.Delete(_stateDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private ProcessExecutor Executor(long maxLogBytes = 4 * 1024 * 1024) => new(_stateDir, () => _nodeId, TimeProvider.System, NullLogger.Instance)
    {
        AdoptedPollInterval = TimeSpan.FromMilliseconds(50),
        LogPollInterval = TimeSpan.FromMilliseconds(50),
        MaxLogBytes = maxLogBytes,
    };

    private (TaskRunner Runner, Task Run) Start(ProcessExecutor executor, TaskAssignment task, CancellationToken ct = default)
    {
        var runner = new TaskRunner(task, executor.Controller(task), _sink, TimeProvider.System, NullLogger.Instance);
        return (runner, runner.RunAsync(ct));
    }

    private static async Task<List<string>> Lines(ProcessExecutor executor, string taskId, int tail, bool follow = false)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var lines = new List<string>();
        await foreach (var entry in executor.LogsAsync(taskId, follow, tail, cts.Token))
        {
            Assert.Equal(taskId, entry.TaskId);
            lines.Add(entry.Text);
        }

        return lines;
    }

    private static async Task WaitForFileAsync(string path, string text)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!(File.Exists(path) && (await File.ReadAllTextAsync(path)).Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} did not get '{text}'");
            await Task.Delay(20);
        }
    }

    [SkippableFact]
    public async Task Stdout_and_stderr_are_kept_in_the_state_dir_and_tail_returns_the_last_lines()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var executor = Executor();
        var (_, run) = Start(executor, Tasks.Assignment("t1", command: ["sh", "-c", "for i in 1 2 3 4 5; do echo out-$i; done; echo err-6 >&2; printf no-newline"]));
        await run.WaitAsync(Timeout);
        Assert.Equal(TaskState.Complete, _sink.Updates.Last().State);

        Assert.True(File.Exists(Path.Combine(_stateDir, "tasks", "t1.log")));
        Assert.Equal(["out-5", "err-6", "no-newline"], await Lines(executor, "t1", tail: 3));
        Assert.Equal(["out-1", "out-2", "out-3", "out-4", "out-5", "err-6", "no-newline"], await Lines(executor, "t1", tail: 0));
        Assert.Equal(7, (await Lines(executor, "t1", tail: 100)).Count);

        // a task this node never ran has no output here
        Assert.Empty(await Lines(executor, "unknown", tail: 10));
    }

    [SkippableFact]
    public async Task Follow_returns_lines_as_they_are_written_and_ends_with_the_task()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var executor = Executor();
        var (_, run) = Start(executor, Tasks.Assignment("t1", command: ["sh", "-c", "echo first; sleep 0.5; echo second; sleep 0.5; printf third"]));
        await _sink.WaitForAsync("t1", TaskState.Running);

        using var cts = new CancellationTokenSource(Timeout);
        var seen = new List<(string Text, DateTimeOffset At)>();
        await foreach (var entry in executor.LogsAsync("t1", follow: true, tail: 0, cts.Token))
        {
            seen.Add((entry.Text, DateTimeOffset.UtcNow));
        }

        await run.WaitAsync(Timeout);
        Assert.Equal(["first", "second", "third"], seen.Select(s => s.Text));

        // lines arrive as written, not all at the end
        Assert.True(seen[2].At - seen[0].At > TimeSpan.FromMilliseconds(500), "lines arrived together");
    }

    [SkippableFact]
    public async Task Follow_waits_for_a_task_that_has_not_started_yet()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var executor = Executor();
        var task = Tasks.Assignment("t1", desired: DesiredState.Ready, command: ["echo", "started late"]);
        var (runner, run) = Start(executor, task);
        await _sink.WaitForAsync("t1", TaskState.Ready);

        var follow = Lines(executor, "t1", tail: 10, follow: true);
        await Task.Delay(200);
        Assert.False(follow.IsCompleted);

        runner.UpdateDesired(DesiredState.Running);
        Assert.Equal(["started late"], await follow);
        await run.WaitAsync(Timeout);
    }

    [SkippableFact]
    public async Task The_process_keeps_writing_its_log_without_an_agent_and_an_adopting_agent_follows_it()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        using var shutdown = new CancellationTokenSource();
        var task = Tasks.Assignment("t1", command: ["sh", "-c", "echo before; sleep 1; echo while-away; sleep 30"]);
        var (_, firstRun) = Start(Executor(), task, shutdown.Token);
        await _sink.WaitForAsync("t1", TaskState.Running);
        var record = new ProcessRecords(_stateDir).Load("t1")!;
        _pids.Add(record.Pid);
        var log = Path.Combine(_stateDir, "tasks", "t1.log");
        await WaitForFileAsync(log, "before");

        // the agent goes away; the process goes on writing
        await shutdown.CancelAsync();
        await firstRun.WaitAsync(Timeout);
        await WaitForFileAsync(log, "while-away");
        Assert.True(Posix.IsAlive(record.Pid, record.StartTime));

        var restarted = Executor();
        var controller = restarted.Controller(task with { State = TaskState.Running });
        Assert.Equal(TaskRecovery.Running, await controller.RecoverAsync(CancellationToken.None));
        Assert.Equal(["before", "while-away"], await Lines(restarted, "t1", tail: 0));

        var follow = Lines(restarted, "t1", tail: 1, follow: true);
        await Task.Delay(300);
        Assert.False(follow.IsCompleted);
        Posix.Signal(record.Pid, Posix.SIGKILL);
        await controller.WaitAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(["while-away"], await follow);
        await controller.DisposeAsync();
    }

    [SkippableFact]
    public async Task A_growing_log_is_rotated_and_tail_reads_across_the_rotation()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var executor = Executor(maxLogBytes: 1000);
        var (runner, run) = Start(executor, Tasks.Assignment("t1", command: ["sh", "-c", "i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done; sleep 30"]));
        await _sink.WaitForAsync("t1", TaskState.Running);
        var log = Path.Combine(_stateDir, "tasks", "t1.log");
        var deadline = DateTime.UtcNow + Timeout;
        while (!File.Exists(log + ".1"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the log was not rotated");
            await Task.Delay(20);
        }

        Assert.True(new FileInfo(log).Length <= 1000, $"the log has {new FileInfo(log).Length} bytes");
        Assert.Equal(["line-297", "line-298", "line-299"], await Lines(executor, "t1", tail: 3));
        Assert.Equal("line-299", (await Lines(executor, "t1", tail: 0)).Last());

        runner.Stop();
        await run.WaitAsync(Timeout);
    }

    [SkippableFact]
    public async Task A_program_not_on_the_path_is_rejected_with_a_clear_reason()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var (_, run) = Start(Executor(), Tasks.Assignment("t1", command: ["swarm-no-such-program", "arg"]));
        await run.WaitAsync(Timeout);

        var last = _sink.Updates.Last();
        Assert.Equal(TaskState.Rejected, last.State);
        Assert.Equal("task: cannot start swarm-no-such-program: executable file not found in $PATH", last.Error);
        Assert.DoesNotContain(TaskState.Running, _sink.StatesOf("t1"));
    }

    [SkippableFact]
    public async Task A_file_that_is_not_executable_is_rejected()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        Directory.CreateDirectory(_stateDir);
        var script = Path.Combine(_stateDir, "script.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (_, run) = Start(Executor(), Tasks.Assignment("t1", command: [script]));
        await run.WaitAsync(Timeout);

        var last = _sink.Updates.Last();
        Assert.Equal(TaskState.Rejected, last.State);

        // root may execute anything with an execute bit only; this file has none
        Assert.Equal($"task: cannot start {script}: permission denied", last.Error);
    }

    [SkippableFact]
    public async Task Programs_are_found_on_the_task_path_and_relative_to_the_working_dir()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var bin = Path.Combine(_stateDir, "bin");
        Directory.CreateDirectory(bin);
        var script = Path.Combine(bin, "swarm-hello");
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho hello \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var executor = Executor();

        var onPath = Tasks.Assignment("t1", command: ["swarm-hello", "path"]);
        onPath = onPath with { Spec = onPath.Spec with { Env = new Dictionary<string, string> { ["PATH"] = bin + ":/usr/bin:/bin" } } };
        var relative = Tasks.Assignment("t2", command: ["./bin/swarm-hello", "relative"]);
        relative = relative with { Spec = relative.Spec with { WorkingDir = _stateDir } };
        await Start(executor, onPath).Run.WaitAsync(Timeout);
        await Start(executor, relative).Run.WaitAsync(Timeout);

        Assert.Equal(["hello path"], await Lines(executor, "t1", tail: 0));
        Assert.Equal(["hello relative"], await Lines(executor, "t2", tail: 0));
    }

    [SkippableFact]
    public async Task Logs_of_tasks_that_ended_long_ago_are_deleted_at_cleanup()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var executor = Executor();
        await Start(executor, Tasks.Assignment("old", command: ["echo", "old"])).Run.WaitAsync(Timeout);
        await Start(executor, Tasks.Assignment("recent", command: ["echo", "recent"])).Run.WaitAsync(Timeout);
        var old = Path.Combine(_stateDir, "tasks", "old.log");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow - TimeSpan.FromDays(2));

        await Executor().CleanupAsync(new HashSet<string>(), CancellationToken.None);

        Assert.False(File.Exists(old));
        Assert.True(File.Exists(Path.Combine(_stateDir, "tasks", "recent.log")));
    }
}
