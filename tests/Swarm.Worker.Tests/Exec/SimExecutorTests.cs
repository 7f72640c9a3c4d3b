using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Tests.Exec;

public sealed class SimExecutorTests
{
    private readonly RecordingSink _sink = new();

    private (TaskRunner Runner, Task Run) Start(SimExecutor executor, TaskAssignment task, TimeProvider time)
    {
        var runner = new TaskRunner(task, executor.Controller(task), _sink, time, NullLogger.Instance);
        return (runner, runner.RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_simulated_task_goes_through_every_state_and_runs_until_stopped()
    {
        var (runner, run) = Start(new SimExecutor(new SimOptions(), TimeProvider.System), Tasks.Assignment("t1"), TimeProvider.System);
        await _sink.WaitForAsync("t1", TaskState.Running);
        await Task.Delay(100);
        Assert.False(run.IsCompleted);

        runner.UpdateDesired(DesiredState.Shutdown);
        await run.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(
            [TaskState.Accepted, TaskState.Preparing, TaskState.Ready, TaskState.Starting, TaskState.Running, TaskState.Shutdown],
            _sink.StatesOf("t1"));
    }

    [Fact]
    public async Task With_a_run_time_a_simulated_task_completes_when_it_is_over()
    {
        var time = new FakeTimeProvider();
        var (_, run) = Start(new SimExecutor(new SimOptions { RunTime = TimeSpan.FromSeconds(30) }, time), Tasks.Assignment("t1"), time);
        await _sink.WaitForAsync("t1", TaskState.Running);

        time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50);
        Assert.False(run.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(TaskState.Complete, _sink.Updates.Last().State);
        Assert.Equal(0, _sink.Updates.Last().ExitCode);
    }

    [Fact]
    public async Task With_fail_rate_one_every_simulated_task_fails_with_exit_code_one()
    {
        var executor = new SimExecutor(new SimOptions { FailRate = 1 }, TimeProvider.System);
        var runs = Enumerable.Range(0, 5).Select(i => Start(executor, Tasks.Assignment($"t{i}"), TimeProvider.System).Run).ToList();
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(5));

        for (var i = 0; i < 5; i++)
        {
            var last = _sink.Updates.Last(u => u.TaskId == $"t{i}");
            Assert.Equal(TaskState.Failed, last.State);
            Assert.Equal("task: non-zero exit (1)", last.Error);
            Assert.Equal(1, last.ExitCode);
        }
    }

    [Fact]
    public async Task A_fail_rate_fails_about_that_fraction_of_tasks()
    {
        var executor = new SimExecutor(new SimOptions { FailRate = 0.3 }, TimeProvider.System, new Random(7));
        var runners = Enumerable.Range(0, 200).Select(i => Start(executor, Tasks.Assignment($"t{i}"), TimeProvider.System)).ToList();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => _sink.WaitForAsync($"t{i}", s => s >= TaskState.Running)));
        await Task.Delay(50);

        var failed = _sink.Updates.Count(u => u.State == TaskState.Failed);
        Assert.InRange(failed, 40, 80);
        foreach (var (runner, _) in runners)
        {
            runner.Stop();
        }

        await Task.WhenAll(runners.Select(r => r.Run)).WaitAsync(TimeSpan.FromSeconds(5));
    }
}
