using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Tests.Exec;

public sealed class ProcessExecutorTests : IDisposable
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "swarm-worker-tests", Guid.NewGuid().ToString("N"));
    private readonly string _nodeId = "node-" + Guid.NewGuid().ToString("N");
    private readonly RecordingSink _sink = new();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_stateDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private ProcessExecutor Executor() => new(_stateDir, () => _nodeId, TimeProvider.System, NullLogger.Instance) { AdoptedPollInterval = TimeSpan.FromMilliseconds(50) };

    private (TaskRunner Runner, Task Run) Start(ProcessExecutor executor, TaskAssignment task, CancellationToken ct = default)
    {
        var runner = new TaskRunner(task, executor.Controller(task), _sink, TimeProvider.System, NullLogger.Instance);
        return (runner, runner.RunAsync(ct));
    }

    [SkippableFact]
    public async Task Non_zero_exit_fails_the_task_with_its_exit_code()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var (_, run) = Start(Executor(), Tasks.Assignment("t1", command: ["sh", "-c", "exit 3"]));
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        var last = _sink.Updates.Last();
        Assert.Equal(TaskState.Failed, last.State);
        Assert.Equal(3, last.ExitCode);
        Assert.Equal("task: non-zero exit (3)", last.Error);
        Assert.Equal([TaskState.Accepted, TaskState.Preparing, TaskState.Ready, TaskState.Starting, TaskState.Running, TaskState.Failed], _sink.StatesOf("t1"));
    }

    [SkippableFact]
    public async Task Zero_exit_completes_the_task_and_applies_env_and_working_dir()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        Directory.CreateDirectory(_stateDir);
        var task = Tasks.Assignment("t1", command: ["sh", "-c", "test \"$(pwd)\" = \"$EXPECTED\""]) with { };
        task = task with { Spec = task.Spec with { Env = new Dictionary<string, string> { ["EXPECTED"] = _stateDir }, WorkingDir = _stateDir } };
        var (_, run) = Start(Executor(), task);
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TaskState.Complete, _sink.Updates.Last().State);
        Assert.Equal(0, _sink.Updates.Last().ExitCode);
    }

    [SkippableFact]
    public async Task A_task_process_learns_its_service_name_address_and_ports_from_the_environment()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var check = "test \"$SWARM_SERVICE_NAME\" = web && test \"$SWARM_TASK_ADDRESS\" = 10.0.1.5 && test \"$SWARM_PORT_80\" = 18080 && test \"$PORT\" = 18080";
        var task = Tasks.Assignment("t1", command: ["sh", "-c", check]);
        task = task with
        {
            Spec = task.Spec with
            {
                Networks = [new TaskNetwork { NetworkId = "n", NetworkName = "front", Subnet = "10.0.1.0/24", Address = "10.0.1.5", Aliases = ["web"] }],
                Ports = [new TaskPort(80, 18080)],
            },
        };
        var (_, run) = Start(Executor(), task);
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TaskState.Complete, _sink.Updates.Last().State);
    }

    [Fact]
    public void Two_published_ports_are_named_by_target_and_no_port_variable_is_set()
    {
        var task = Tasks.Assignment("t1") with { Spec = new TaskRunSpec { Ports = [new TaskPort(80, 30001), new TaskPort(443, 30002, "tcp", "host")] } };

        var env = ProcessController.NetworkEnvironment(task);

        Assert.Equal("30001", env["SWARM_PORT_80"]);
        Assert.Equal("30002", env["SWARM_PORT_443"]);
        Assert.False(env.ContainsKey("PORT"));
        Assert.False(env.ContainsKey("SWARM_TASK_ADDRESS"));
        Assert.Equal("web", env["SWARM_SERVICE_NAME"]);
    }

    [SkippableFact]
    public async Task Stopping_a_running_task_sends_sigterm_and_reports_shutdown_quickly()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var (runner, run) = Start(Executor(), Tasks.Assignment("t1", command: ["sleep", "30"]));
        await _sink.WaitForAsync("t1", TaskState.Running);

        var watch = Stopwatch.StartNew();
        runner.UpdateDesired(DesiredState.Shutdown);
        await run.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(TaskState.Shutdown, _sink.Updates.Last().State);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"stop took {watch.Elapsed}");
    }

    [SkippableFact]
    public async Task A_process_ignoring_sigterm_is_killed_after_the_grace_period()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var (runner, run) = Start(Executor(), Tasks.Assignment("t1", grace: 1, command: ["sh", "-c", "trap '' TERM; sleep 30"]));
        await _sink.WaitForAsync("t1", TaskState.Running);
        await Task.Delay(200); // let the shell install its trap

        var watch = Stopwatch.StartNew();
        runner.Stop();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TaskState.Shutdown, _sink.Updates.Last().State);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(6));
    }

    [SkippableFact]
    public async Task A_missing_program_rejects_the_task()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        var (_, run) = Start(Executor(), Tasks.Assignment("t1", command: ["/nonexistent/swarm-no-such-program"]));
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        var last = _sink.Updates.Last();
        Assert.Equal(TaskState.Rejected, last.State);
        Assert.Contains("swarm-no-such-program", last.Error);
        Assert.DoesNotContain(TaskState.Running, _sink.StatesOf("t1"));
    }

    [SkippableFact]
    public async Task A_restarted_agent_adopts_a_live_process_instead_of_starting_it_again()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        using var shutdown = new CancellationTokenSource();
        var task = Tasks.Assignment("t1", command: ["sleep", "30"]);
        var (_, firstRun) = Start(Executor(), task, shutdown.Token);
        await _sink.WaitForAsync("t1", TaskState.Running);
        var record = new ProcessRecords(_stateDir).Load("t1");
        Assert.NotNull(record);

        // the agent goes away; the process stays
        await shutdown.CancelAsync();
        await firstRun.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(Posix.IsAlive(record.Pid, record.StartTime));

        var restarted = Executor();
        var controller = restarted.Controller(task with { State = TaskState.Running });
        Assert.Equal(TaskRecovery.Running, await controller.RecoverAsync(CancellationToken.None));
        var exit = controller.WaitAsync(CancellationToken.None);

        Posix.Signal(record.Pid, Posix.SIGKILL);
        var ended = await exit.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Null(ended.ExitCode);
        await controller.DisposeAsync();
        Assert.Null(new ProcessRecords(_stateDir).Load("t1"));
    }

    [SkippableFact]
    public async Task Cleanup_kills_recorded_processes_of_tasks_no_longer_assigned()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        using var shutdown = new CancellationTokenSource();
        var (_, run) = Start(Executor(), Tasks.Assignment("gone", grace: 1, command: ["sleep", "30"]), shutdown.Token);
        await _sink.WaitForAsync("gone", TaskState.Running);
        var record = new ProcessRecords(_stateDir).Load("gone")!;
        await shutdown.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));

        await Executor().CleanupAsync(new HashSet<string> { "other" }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(Posix.IsAlive(record.Pid, record.StartTime));
        Assert.Null(new ProcessRecords(_stateDir).Load("gone"));
    }
}
