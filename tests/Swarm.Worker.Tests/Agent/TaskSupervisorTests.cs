using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;

namespace Swarm.Worker.Tests.Agent;

public sealed class TaskSupervisorTests : IAsyncDisposable
{
    private readonly FakeExecutor _executor = new();
    private readonly RecordingSink _sink = new();
    private readonly TaskSupervisor _supervisor;

    public TaskSupervisorTests()
    {
        _supervisor = new TaskSupervisor(_executor, _sink, TimeProvider.System, NullLogger.Instance);
    }

    public ValueTask DisposeAsync() => _supervisor.DisposeAsync();

    [Fact]
    public async Task An_unknown_task_in_the_complete_set_is_started_once_however_often_it_is_sent()
    {
        var task = Tasks.Assignment("t1");
        await _supervisor.ApplyCompleteAsync([task], CancellationToken.None);
        await _sink.WaitForAsync("t1", TaskState.Running);

        await _supervisor.ApplyCompleteAsync([task], CancellationToken.None);
        _supervisor.ApplyIncremental([task with { State = TaskState.Running }]);
        await _supervisor.ApplyCompleteAsync([task with { State = TaskState.Running }], CancellationToken.None);
        await Task.Delay(50);

        Assert.Equal(1, _executor.Created["t1"]);
        Assert.Equal(1, _executor.Started["t1"]);
        Assert.Equal(
            [TaskState.Accepted, TaskState.Preparing, TaskState.Ready, TaskState.Starting, TaskState.Running],
            _sink.StatesOf("t1"));
    }

    [Fact]
    public async Task A_running_task_missing_from_the_complete_set_is_stopped()
    {
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1"), Tasks.Assignment("t2")], CancellationToken.None);
        await _sink.WaitForAsync("t1", TaskState.Running);
        await _sink.WaitForAsync("t2", TaskState.Running);

        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t2")], CancellationToken.None);

        await _sink.WaitForAsync("t1", TaskState.Shutdown);
        Assert.Equal(1, _executor.Stopped["t1"]);
        Assert.False(_executor.Stopped.ContainsKey("t2"));
        Assert.Equal(["t2"], _supervisor.ActiveTaskIds);
    }

    [Fact]
    public async Task An_incremental_set_does_not_stop_tasks_it_does_not_mention()
    {
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1")], CancellationToken.None);
        await _sink.WaitForAsync("t1", TaskState.Running);

        _supervisor.ApplyIncremental([Tasks.Assignment("t2")]);
        await _sink.WaitForAsync("t2", TaskState.Running);

        Assert.Empty(_executor.Stopped);
        Assert.Equal(["t1", "t2"], _supervisor.ActiveTaskIds.Order());
    }

    [Fact]
    public async Task Desired_ready_prepares_only_and_desired_running_starts_it()
    {
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1", DesiredState.Ready)], CancellationToken.None);
        await _sink.WaitForAsync("t1", TaskState.Ready);
        await Task.Delay(100);
        Assert.Equal([TaskState.Accepted, TaskState.Preparing, TaskState.Ready], _sink.StatesOf("t1"));
        Assert.False(_executor.Started.ContainsKey("t1"));

        _supervisor.ApplyIncremental([Tasks.Assignment("t1", DesiredState.Running, TaskState.Ready)]);

        await _sink.WaitForAsync("t1", TaskState.Running);
        Assert.Equal(1, _executor.Started["t1"]);
    }

    [Fact]
    public async Task A_late_older_desired_state_does_not_undo_a_shutdown()
    {
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1", DesiredState.Ready)], CancellationToken.None);
        await _sink.WaitForAsync("t1", TaskState.Ready);

        _supervisor.ApplyIncremental([Tasks.Assignment("t1", DesiredState.Shutdown)]);
        _supervisor.ApplyIncremental([Tasks.Assignment("t1", DesiredState.Running)]);

        await _sink.WaitForAsync("t1", TaskState.Shutdown);
        Assert.False(_executor.Started.ContainsKey("t1"));
    }

    [Theory]
    [InlineData(DesiredState.Shutdown)]
    [InlineData(DesiredState.Remove)]
    public async Task Stopping_desired_states_stop_a_running_task_and_report_shutdown(DesiredState desired)
    {
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1")], CancellationToken.None);
        await _sink.WaitForAsync("t1", TaskState.Running);

        _supervisor.ApplyIncremental([Tasks.Assignment("t1", desired, TaskState.Running)]);

        await _sink.WaitForAsync("t1", TaskState.Shutdown);
        Assert.Equal(1, _executor.Stopped["t1"]);
    }

    [Fact]
    public async Task A_job_task_with_desired_state_completed_runs_to_completion()
    {
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("job", DesiredState.Completed)], CancellationToken.None);

        await _sink.WaitForAsync("job", TaskState.Running);
        _supervisor.ApplyIncremental([Tasks.Assignment("job", DesiredState.Completed, TaskState.Running)]);
        await Task.Delay(100);

        Assert.False(_executor.Stopped.ContainsKey("job"));
    }

    [Fact]
    public async Task An_unknown_task_already_told_to_shut_down_is_reported_shut_down_without_starting()
    {
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1", DesiredState.Shutdown)], CancellationToken.None);

        await _sink.WaitForAsync("t1", TaskState.Shutdown);
        Assert.False(_executor.Started.ContainsKey("t1"));
        Assert.Equal([TaskState.Shutdown], _sink.StatesOf("t1"));
    }

    [Fact]
    public async Task Terminal_tasks_are_never_started()
    {
        _supervisor.ApplyIncremental([Tasks.Assignment("t1", state: TaskState.Failed), Tasks.Assignment("t2", state: TaskState.Complete)]);
        await Task.Delay(50);

        Assert.Empty(_executor.Created);
        Assert.Empty(_sink.Updates);
    }

    [Fact]
    public async Task A_task_that_ended_here_is_not_started_again_when_a_stale_assignment_arrives()
    {
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1")], CancellationToken.None);
        await _sink.WaitForAsync("t1", TaskState.Running);
        _supervisor.ApplyIncremental([Tasks.Assignment("t1", DesiredState.Shutdown)]);
        await _sink.WaitForAsync("t1", TaskState.Shutdown);
        await _supervisor.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(5));

        // the dispatcher has not yet written the shutdown: it still lists the task as running
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1", DesiredState.Running, TaskState.Running)], CancellationToken.None);
        await Task.Delay(50);

        Assert.Equal(1, _executor.Created["t1"]);
    }

    [Fact]
    public async Task Leftovers_are_cleaned_up_once_with_the_first_complete_set()
    {
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1")], CancellationToken.None);
        await _supervisor.ApplyCompleteAsync([Tasks.Assignment("t1"), Tasks.Assignment("t2")], CancellationToken.None);

        var cleanup = Assert.Single(_executor.Cleanups);
        Assert.Equal(["t1"], cleanup);
    }
}
