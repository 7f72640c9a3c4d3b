using ContainerListResponse = Docker.DotNet.Models.ContainerListResponse;
using ContainersListParameters = Docker.DotNet.Models.ContainersListParameters;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Docker;

namespace Swarm.Worker.Tests.Docker;

[Collection(DockerEngineCollection.Name)]
public sealed class DockerExecutorTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly DockerEngineFixture _engine;
    private readonly RecordingSink _sink = new();
    private readonly string _hostname = "dx-" + Guid.NewGuid().ToString("N")[..8];

    public DockerExecutorTests(DockerEngineFixture engine)
    {
        _engine = engine;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_engine.Client is null)
        {
            return;
        }

        // whatever a test left behind on its node
        using var executor = Executor();
        await executor.CleanupAsync(new HashSet<string>(), CancellationToken.None);
    }

    private DockerExecutor Executor() =>
        new(DockerEngine.CreateClient(_engine.Endpoint!), _hostname, () => "node-" + _hostname, TimeProvider.System, NullLogger.Instance)
        {
            PullTimeout = TimeSpan.FromSeconds(15),
            HealthPollInterval = TimeSpan.FromMilliseconds(100),
        };

    private static TaskAssignment NewTask(string image = DockerEngineFixture.Image, params string[] command)
    {
        var id = Guid.NewGuid().ToString("N");
        return Tasks.Assignment(id, command: command) with { TaskId = id, Spec = new TaskRunSpec { Image = image, Command = command, StopGracePeriodSeconds = 1 } };
    }

    private (TaskRunner Runner, Task Run) Start(DockerExecutor executor, TaskAssignment task, CancellationToken ct = default)
    {
        var runner = new TaskRunner(task, executor.Controller(task), _sink, TimeProvider.System, NullLogger.Instance);
        return (runner, runner.RunAsync(ct));
    }

    private async Task<IList<ContainerListResponse>> ContainersOf(string taskId) =>
        await _engine.Client!.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.TaskId}={taskId}"] = true } },
        });

    [SkippableFact]
    public async Task A_container_exiting_3_fails_the_task_with_its_exit_code()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var task = NewTask(command: ["sh", "-c", "echo hello; echo oops >&2; exit 3"]);
        var (_, run) = Start(executor, task);
        await run.WaitAsync(Timeout);

        var last = _sink.Updates.Last();
        Assert.Equal(TaskState.Failed, last.State);
        Assert.Equal(3, last.ExitCode);
        Assert.Equal("task: non-zero exit (3)", last.Error);
        Assert.Equal([TaskState.Accepted, TaskState.Preparing, TaskState.Ready, TaskState.Starting, TaskState.Running, TaskState.Failed], _sink.StatesOf(task.TaskId));

        // the exited container stays for its logs
        var lines = await executor.LogsAsync(task.TaskId, follow: false, tail: 0, CancellationToken.None).ToListAsync();
        Assert.Contains(lines, l => l is { Stream: "stdout", Text: "hello" });
        Assert.Contains(lines, l => l is { Stream: "stderr", Text: "oops" });
    }

    [SkippableFact]
    public async Task A_zero_exit_completes_the_task()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var task = NewTask(command: ["true"]);
        var (_, run) = Start(executor, task);
        await run.WaitAsync(Timeout);

        Assert.Equal(TaskState.Complete, _sink.Updates.Last().State);
        Assert.Equal(0, _sink.Updates.Last().ExitCode);
    }

    [SkippableFact]
    public async Task A_missing_image_rejects_the_task_with_a_readable_error()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var task = NewTask(image: "local/no-such-image-" + Guid.NewGuid().ToString("N")[..6], command: ["true"]);
        var (_, run) = Start(executor, task);
        await run.WaitAsync(Timeout);

        var last = _sink.Updates.Last();
        Assert.Equal(TaskState.Rejected, last.State);
        Assert.StartsWith($"No such image: {task.Spec.Image}", last.Error);
        Assert.DoesNotContain(TaskState.Starting, _sink.StatesOf(task.TaskId));
        Assert.Empty(await ContainersOf(task.TaskId));
    }

    [SkippableFact]
    public async Task The_container_carries_the_task_labels_limits_env_user_and_no_network()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var task = NewTask(command: ["sleep", "60"]);
        task = task with
        {
            Spec = task.Spec with
            {
                Env = new Dictionary<string, string> { ["GREETING"] = "hi" },
                WorkingDir = "/tmp",
                User = "1000",
                LimitMemoryBytes = 64L * 1024 * 1024,
                LimitNanoCpus = 500_000_000,
                Labels = new Dictionary<string, string> { ["team"] = "blue" },
            },
        };
        using var cts = new CancellationTokenSource();
        var (runner, run) = Start(executor, task, cts.Token);
        await _sink.WaitForAsync(task.TaskId, TaskState.Running, Timeout);

        var container = Assert.Single(await ContainersOf(task.TaskId));
        var inspect = await _engine.Client!.Containers.InspectContainerAsync(container.ID);
        Assert.Equal(64L * 1024 * 1024, inspect.HostConfig.Memory);
        Assert.Equal(500_000_000, inspect.HostConfig.NanoCPUs);
        Assert.Equal("none", inspect.HostConfig.NetworkMode);
        Assert.Equal("1000", inspect.Config.User);
        Assert.Equal("/tmp", inspect.Config.WorkingDir);
        Assert.Contains("GREETING=hi", inspect.Config.Env);
        Assert.Equal(["sleep", "60"], inspect.Config.Cmd);
        Assert.Equal(task.TaskId, inspect.Config.Labels[DockerLabels.TaskId]);
        Assert.Equal("svc", inspect.Config.Labels[DockerLabels.ServiceId]);
        Assert.Equal("1", inspect.Config.Labels[DockerLabels.Slot]);
        Assert.Equal(_hostname, inspect.Config.Labels[DockerLabels.NodeHostname]);
        Assert.Equal("node-" + _hostname, inspect.Config.Labels[DockerLabels.NodeId]);
        Assert.Equal("blue", inspect.Config.Labels["team"]);
        Assert.True(inspect.State.Running);

        // desired shutdown: stopped within the grace period, then removed
        runner.UpdateDesired(DesiredState.Shutdown);
        await run.WaitAsync(Timeout);
        Assert.Equal(TaskState.Shutdown, _sink.Updates.Last().State);
        Assert.Empty(await ContainersOf(task.TaskId));
    }

    [SkippableFact]
    public async Task A_restarted_agent_adopts_its_containers_and_reports_their_true_state()
    {
        _engine.SkipIfUnavailable();
        var running = NewTask(command: ["sleep", "60"]);
        var exiting = NewTask(command: ["sh", "-c", "sleep 1; exit 4"]);
        var stale = NewTask(command: ["sleep", "60"]);

        // first agent process: starts three tasks, then goes away without stopping them
        using (var first = Executor())
        using (var shutdown = new CancellationTokenSource())
        {
            var runs = new[] { running, exiting, stale }.Select(t => Start(first, t, shutdown.Token).Run).ToList();
            foreach (var t in new[] { running, exiting, stale })
            {
                await _sink.WaitForAsync(t.TaskId, TaskState.Running, Timeout);
            }

            await shutdown.CancelAsync();
            await Task.WhenAll(runs).WaitAsync(Timeout);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var sink = new RecordingSink();
        using var second = Executor();

        // the dispatcher no longer assigns the stale task: its container goes
        await second.CleanupAsync(new HashSet<string> { running.TaskId, exiting.TaskId }, CancellationToken.None);
        Assert.Empty(await ContainersOf(stale.TaskId));

        var adopted = new TaskRunner(running with { State = TaskState.Running }, second.Controller(running), sink, TimeProvider.System, NullLogger.Instance);
        var ended = new TaskRunner(exiting with { State = TaskState.Running }, second.Controller(exiting), sink, TimeProvider.System, NullLogger.Instance);
        var adoptedRun = adopted.RunAsync(CancellationToken.None);
        var endedRun = ended.RunAsync(CancellationToken.None);

        var failed = await sink.WaitForTerminalAsync(exiting.TaskId, Timeout);
        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Equal(4, failed.ExitCode);
        await endedRun.WaitAsync(Timeout);

        // no second container: the running one was adopted, not started again
        var container = Assert.Single(await ContainersOf(running.TaskId));
        Assert.Equal("running", container.State);
        Assert.DoesNotContain(TaskState.Starting, sink.StatesOf(running.TaskId));

        adopted.UpdateDesired(DesiredState.Remove);
        await adoptedRun.WaitAsync(Timeout);
        Assert.Equal(TaskState.Shutdown, sink.Updates.Last(u => u.TaskId == running.TaskId).State);
        Assert.Empty(await ContainersOf(running.TaskId));
    }

    [SkippableFact]
    public async Task A_healthcheck_keeps_the_task_starting_until_the_container_is_healthy()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var task = NewTask(command: ["sh", "-c", "sleep 2; touch /tmp/ready; sleep 60"]);
        task = task with
        {
            Spec = task.Spec with
            {
                Healthcheck = new TaskHealthcheck { Test = ["CMD-SHELL", "test -f /tmp/ready"], Interval = TimeSpan.FromMilliseconds(300), Retries = 50 },
            },
        };
        var (runner, run) = Start(executor, task);
        await _sink.WaitForAsync(task.TaskId, TaskState.Starting, Timeout);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(TaskState.Running, _sink.StatesOf(task.TaskId));

        await _sink.WaitForAsync(task.TaskId, TaskState.Running, Timeout);
        runner.UpdateDesired(DesiredState.Shutdown);
        await run.WaitAsync(Timeout);
    }

    [SkippableFact]
    public async Task An_adopted_container_whose_healthcheck_has_not_passed_stays_starting_until_healthy()
    {
        _engine.SkipIfUnavailable();
        var task = NewTask(command: ["sh", "-c", "sleep 4; touch /tmp/ready; sleep 60"]);
        task = task with
        {
            Spec = task.Spec with
            {
                Healthcheck = new TaskHealthcheck { Test = ["CMD-SHELL", "test -f /tmp/ready"], Interval = TimeSpan.FromMilliseconds(300), Retries = 50 },
            },
        };

        // first agent process: the container starts, then the agent goes away before it is healthy
        using (var first = Executor())
        using (var shutdown = new CancellationTokenSource())
        {
            var (_, firstRun) = Start(first, task, shutdown.Token);
            await _sink.WaitForAsync(task.TaskId, TaskState.Starting, Timeout);
            await shutdown.CancelAsync();
            await firstRun.WaitAsync(Timeout);
        }

        var sink = new RecordingSink();
        using var second = Executor();
        var adopted = new TaskRunner(task with { State = TaskState.Starting }, second.Controller(task), sink, TimeProvider.System, NullLogger.Instance);
        var run = adopted.RunAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(TaskState.Running, sink.StatesOf(task.TaskId));

        await sink.WaitForAsync(task.TaskId, TaskState.Running, Timeout);
        Assert.Single(await ContainersOf(task.TaskId));
        adopted.UpdateDesired(DesiredState.Shutdown);
        await run.WaitAsync(Timeout);
        Assert.Equal(TaskState.Shutdown, sink.Updates.Last().State);
    }

    [SkippableFact]
    public async Task An_unhealthy_container_fails_the_task()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var task = NewTask(command: ["sleep", "60"]);
        task = task with
        {
            Spec = task.Spec with
            {
                Healthcheck = new TaskHealthcheck { Test = ["CMD", "false"], Interval = TimeSpan.FromMilliseconds(200), Retries = 1 },
            },
        };
        var (_, run) = Start(executor, task);
        await run.WaitAsync(Timeout);

        var last = _sink.Updates.Last();
        Assert.Equal(TaskState.Failed, last.State);
        Assert.Equal("task: container unhealthy", last.Error);
    }

    [SkippableFact]
    public async Task The_engine_version_and_labels_describe_the_node()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var engine = await executor.DescribeEngineAsync(CancellationToken.None);

        Assert.NotNull(engine);
        Assert.False(string.IsNullOrEmpty(engine.Version));
    }
}
