using ContainerListResponse = Docker.DotNet.Models.ContainerListResponse;
using ContainersListParameters = Docker.DotNet.Models.ContainersListParameters;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Docker;

namespace Swarm.Worker.Tests.Docker;

/// <summary>
/// An agent killed at any instant of a task's start leaves no container the next agent cannot find:
/// every container is labelled with its node and task when it is created, so the next agent adopts
/// the containers of tasks still assigned (one per task) and removes the others.
/// </summary>
[Collection(DockerEngineCollection.Name)]
public sealed class DockerCrashRecoveryTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly DockerEngineFixture _engine;
    private readonly string _hostname = "dc-" + Guid.NewGuid().ToString("N")[..8];

    public DockerCrashRecoveryTests(DockerEngineFixture engine)
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

        using var executor = Executor();
        await executor.CleanupAsync(new HashSet<string>(), CancellationToken.None);
    }

    private DockerExecutor Executor() =>
        new(DockerEngine.CreateClient(_engine.Endpoint!), _hostname, () => "node-" + _hostname, TimeProvider.System, NullLogger.Instance)
        {
            PullTimeout = TimeSpan.FromSeconds(15),
            HealthPollInterval = TimeSpan.FromMilliseconds(100),
        };

    private static TaskAssignment NewTask()
    {
        var id = Guid.NewGuid().ToString("N");
        return Tasks.Assignment(id) with { TaskId = id, Spec = new TaskRunSpec { Image = DockerEngineFixture.Image, Command = ["sleep", "60"], StopGracePeriodSeconds = 1 } };
    }

    private async Task<IList<ContainerListResponse>> ContainersOf(string taskId) =>
        await _engine.Client!.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.TaskId}={taskId}"] = true } },
        });

    /// <summary>
    /// An agent that creates the task's container (and starts it, with <paramref name="start"/>), then
    /// dies: no report, no cleanup, its controller never disposed.
    /// </summary>
    private async Task<string> CreateAndCrashAsync(TaskAssignment task, bool start)
    {
        var dying = Executor();
        var controller = dying.Controller(task);
        await controller.PrepareAsync(CancellationToken.None).WaitAsync(Timeout);
        if (start)
        {
            await controller.StartAsync(CancellationToken.None).WaitAsync(Timeout);
        }

        var container = Assert.Single(await ContainersOf(task.TaskId));
        Assert.Equal(start ? "running" : "created", container.State);
        return container.ID;
    }

    [SkippableFact]
    public async Task Containers_left_by_a_killed_agent_are_removed_once_their_tasks_are_no_longer_assigned()
    {
        _engine.SkipIfUnavailable();
        var created = NewTask();
        var started = NewTask();
        var kept = NewTask();
        await CreateAndCrashAsync(created, start: false);
        await CreateAndCrashAsync(started, start: true);
        await CreateAndCrashAsync(kept, start: true);

        using var restarted = Executor();
        await restarted.CleanupAsync(new HashSet<string> { kept.TaskId }, CancellationToken.None).WaitAsync(Timeout);

        Assert.Empty(await ContainersOf(created.TaskId));
        Assert.Empty(await ContainersOf(started.TaskId));
        Assert.Equal("running", Assert.Single(await ContainersOf(kept.TaskId)).State);
    }

    [SkippableFact]
    public async Task A_container_started_by_a_killed_agent_is_adopted_while_its_task_is_assigned()
    {
        _engine.SkipIfUnavailable();
        var task = NewTask();
        var id = await CreateAndCrashAsync(task, start: true);

        using var restarted = Executor();
        await restarted.CleanupAsync(new HashSet<string> { task.TaskId }, CancellationToken.None).WaitAsync(Timeout);
        var sink = new RecordingSink();
        var runner = new TaskRunner(task with { State = TaskState.Starting }, restarted.Controller(task), sink, TimeProvider.System, NullLogger.Instance);
        var run = runner.RunAsync(CancellationToken.None);
        await sink.WaitForAsync(task.TaskId, TaskState.Running, Timeout);

        // the same container, not a second one
        var container = Assert.Single(await ContainersOf(task.TaskId));
        Assert.Equal(id, container.ID);
        Assert.Equal("running", container.State);

        runner.UpdateDesired(DesiredState.Shutdown);
        await run.WaitAsync(Timeout);
        Assert.Empty(await ContainersOf(task.TaskId));
    }

    [SkippableFact]
    public async Task A_container_created_but_not_started_by_a_killed_agent_is_replaced_by_one_started_container_while_its_task_is_assigned()
    {
        _engine.SkipIfUnavailable();
        var task = NewTask();
        var id = await CreateAndCrashAsync(task, start: false);

        using var restarted = Executor();
        await restarted.CleanupAsync(new HashSet<string> { task.TaskId }, CancellationToken.None).WaitAsync(Timeout);
        var sink = new RecordingSink();
        var runner = new TaskRunner(task with { State = TaskState.Starting }, restarted.Controller(task), sink, TimeProvider.System, NullLogger.Instance);
        var run = runner.RunAsync(CancellationToken.None);
        await sink.WaitForAsync(task.TaskId, TaskState.Running, Timeout);

        var container = Assert.Single(await ContainersOf(task.TaskId));
        Assert.NotEqual(id, container.ID);
        Assert.Equal("running", container.State);

        runner.UpdateDesired(DesiredState.Shutdown);
        await run.WaitAsync(Timeout);
        Assert.Empty(await ContainersOf(task.TaskId));
    }
}
