using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Tests.Exec;

/// <summary>
/// An agent killed at any instant of a task's start leaves nothing the next agent cannot find: a
/// process it started but had not recorded yet is adopted when its task is still assigned, stopped
/// (with its children) when not.
/// </summary>
public sealed class ProcessCrashRecoveryTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "swarm-worker-tests", Guid.NewGuid().ToString("N"));
    private readonly string _nodeId = "node-" + Guid.NewGuid().ToString("N");
    private readonly RecordingSink _sink = new();

    public void Dispose()
    {
        // whatever a test left running
        foreach (var pid in MarkedProcesses(taskId: null, leadersOnly: false))
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

    /// <summary>An executor whose agent is killed right after the process started, before it recorded the pid.</summary>
    private ProcessExecutor CrashingExecutor(List<int> started) => new(_stateDir, () => _nodeId, TimeProvider.System, NullLogger.Instance)
    {
        AdoptedPollInterval = TimeSpan.FromMilliseconds(50),
        Started = (_, pid) =>
        {
            lock (started)
            {
                started.Add(pid);
            }

            throw new SimulatedCrashException();
        },
    };

    private ProcessExecutor Executor() => new(_stateDir, () => _nodeId, TimeProvider.System, NullLogger.Instance) { AdoptedPollInterval = TimeSpan.FromMilliseconds(50) };

    private (TaskRunner Runner, Task Run) Start(ProcessExecutor executor, TaskAssignment task, RecordingSink sink)
    {
        var runner = new TaskRunner(task, executor.Controller(task), sink, TimeProvider.System, NullLogger.Instance);
        return (runner, runner.RunAsync(CancellationToken.None));
    }

    /// <summary>Starts the task with an agent that dies between starting its process and recording it; returns the pid.</summary>
    private async Task<int> StartAndCrashAsync(TaskAssignment task)
    {
        var started = new List<int>();
        var (_, run) = Start(CrashingExecutor(started), task, _sink);
        await run.WaitAsync(Timeout);
        var pid = Assert.Single(started);
        Assert.True(Posix.StartTime(pid) is not null, "the process runs on after its agent died");
        var record = new ProcessRecords(_stateDir).Load(task.TaskId);
        Assert.True(record is { Pid: 0 }, "the task is recorded as started before its process runs, without a pid");
        return pid;
    }

    /// <summary>
    /// The live processes marked with this node (and task), read from <c>/proc</c> as an operator would:
    /// with <paramref name="leadersOnly"/>, the session leaders (one per task process).
    /// </summary>
    private List<int> MarkedProcesses(string? taskId, bool leadersOnly = true)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var env = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] is "Z" or "X"
                    || !env.Contains($"SWARM_NODE_ID={_nodeId}")
                    || (taskId is not null && !env.Contains($"SWARM_TASK_ID={taskId}"))
                    || (leadersOnly && fields[3] != pid.ToString(CultureInfo.InvariantCulture)))
                {
                    continue;
                }

                pids.Add(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // gone, or not ours
            }
        }

        return pids;
    }

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {Timeout}: {what}");
            }

            await Task.Delay(20);
        }
    }

    [SkippableFact]
    public async Task A_task_process_leads_its_own_session_and_carries_its_task_and_node_ids()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var task = Tasks.Assignment("t1", command: ["sleep", "30"]);
        task = task with { Spec = task.Spec with { Env = new Dictionary<string, string> { ["SWARM_TASK_ID"] = "not-this-one" } } };
        var (runner, run) = Start(Executor(), task, _sink);
        await _sink.WaitForAsync("t1", TaskState.Running);

        var record = new ProcessRecords(_stateDir).Load("t1")!;
        Assert.Equal(record.Pid, Posix.Session(record.Pid));
        // read once the process has exec'ed the command: in between, its environment can read as empty
        await Eventually.HoldsAsync(() => Posix.EnvironmentOf(record.Pid).ContainsKey("SWARM_TASK_ID"));
        var env = Posix.EnvironmentOf(record.Pid);
        Assert.Equal("t1", env["SWARM_TASK_ID"]);
        Assert.Equal(_nodeId, env["SWARM_NODE_ID"]);
        Assert.Equal([record.Pid], MarkedProcesses("t1"));

        runner.Stop();
        await run.WaitAsync(Timeout);
        Assert.Empty(MarkedProcesses("t1"));
    }

    [SkippableFact]
    public async Task A_process_started_but_not_recorded_is_adopted_by_the_next_agent_while_its_task_is_assigned()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var task = Tasks.Assignment("t1", grace: 1, command: ["sleep", "60"]);
        var pid = await StartAndCrashAsync(task);

        // the next agent process: same state directory, same node
        var restarted = Executor();
        await restarted.CleanupAsync(new HashSet<string> { "t1" }, CancellationToken.None).WaitAsync(Timeout);
        Assert.True(Posix.StartTime(pid) is not null, "an assigned task's process is not stopped by the cleanup");

        var sink = new RecordingSink();
        var (runner, run) = Start(restarted, task with { State = TaskState.Starting }, sink);
        await sink.WaitForAsync("t1", TaskState.Running);

        // adopted, not started a second time; and recorded now
        Assert.Equal([pid], MarkedProcesses("t1"));
        Assert.Equal(pid, new ProcessRecords(_stateDir).Load("t1")?.Pid);

        runner.UpdateDesired(DesiredState.Shutdown);
        await run.WaitAsync(Timeout);
        Assert.Equal(TaskState.Shutdown, sink.Updates.Last().State);
        await WaitUntilAsync(() => Posix.StartTime(pid) is null, $"process {pid} ends");
        Assert.Empty(MarkedProcesses("t1", leadersOnly: false));
    }

    [SkippableFact]
    public async Task A_process_started_but_not_recorded_is_stopped_with_its_children_by_the_next_agent_once_its_task_is_no_longer_assigned()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var task = Tasks.Assignment("gone", grace: 1, command: ["sh", "-c", "sleep 60 & wait"]);
        var pid = await StartAndCrashAsync(task);
        await WaitUntilAsync(() => MarkedProcesses("gone", leadersOnly: false).Count >= 2, "the task's child starts");

        var restarted = Executor();
        await restarted.CleanupAsync(new HashSet<string> { "other" }, CancellationToken.None).WaitAsync(Timeout);

        await WaitUntilAsync(() => Posix.StartTime(pid) is null, $"process {pid} ends");
        await WaitUntilAsync(() => MarkedProcesses("gone", leadersOnly: false).Count == 0, "the task's child ends with it");
        Assert.Null(new ProcessRecords(_stateDir).Load("gone"));
    }

    [SkippableFact]
    public async Task A_task_found_running_twice_keeps_its_recorded_process_and_stops_the_other()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var task = Tasks.Assignment("t1", grace: 1, command: ["sleep", "60"]);
        var unrecorded = await StartAndCrashAsync(task);

        // an agent that started the task again without looking for it first
        var second = Executor();
        var controller = second.Controller(task);
        await controller.PrepareAsync(CancellationToken.None);
        await controller.StartAsync(CancellationToken.None);
        var recorded = new ProcessRecords(_stateDir).Load("t1")!.Pid;
        Assert.NotEqual(unrecorded, recorded);
        Assert.Equal(2, MarkedProcesses("t1").Count);

        var third = Executor();
        var adopted = third.Controller(task with { State = TaskState.Running });
        Assert.Equal(TaskRecovery.Running, await adopted.RecoverAsync(CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal([recorded], MarkedProcesses("t1"));
        await adopted.StopAsync(TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(Timeout);
        await adopted.DisposeAsync();
        await WaitUntilAsync(() => MarkedProcesses("t1", leadersOnly: false).Count == 0, "no process of the task is left");
    }

    [SkippableFact]
    public async Task A_task_recorded_as_starting_whose_process_never_ran_is_lost()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        new ProcessRecords(_stateDir).Save(new ProcessRecord("t1", 0, 0, 1));

        var controller = Executor().Controller(Tasks.Assignment("t1", state: TaskState.Starting, command: ["sleep", "60"]));
        Assert.Equal(TaskRecovery.Lost, await controller.RecoverAsync(CancellationToken.None));
        Assert.Null(new ProcessRecords(_stateDir).Load("t1"));
        Assert.Empty(MarkedProcesses("t1"));
    }

    private sealed class SimulatedCrashException() : Exception("the agent was killed here");
}
