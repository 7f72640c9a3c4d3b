using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Tasks;

public class TaskStatusChangesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Node = Guid.NewGuid();

    private static SwarmTask Assigned() => new() { Id = Guid.NewGuid(), ServiceId = Guid.NewGuid(), State = TaskState.Assigned, DesiredState = DesiredState.Running, NodeId = Node };

    /// <summary>Decides the reports one after the other, as the dispatcher does, and returns the changes.</summary>
    private static List<TaskStatusChanged> Decide(SwarmTask task, params (TaskState State, string Message, string? Error, int? Exit, double Seconds)[] reports)
    {
        var changes = new List<TaskStatusChanged>();
        foreach (var r in reports)
        {
            if (TaskDecisions.Report(task, Node, r.State, r.Message, r.Error, r.Exit, Now.AddSeconds(r.Seconds)) is { } changed)
            {
                changes.Add(changed);
                task = task.Apply(changed);
            }
        }

        return changes;
    }

    [Fact]
    public void States_reported_together_are_one_event_that_folds_to_the_same_task_as_the_separate_events()
    {
        var task = Assigned();
        var changes = Decide(task,
            (TaskState.Accepted, "accepted", null, null, 1),
            (TaskState.Preparing, "preparing", null, null, 1.1),
            (TaskState.Ready, "prepared", null, null, 1.2),
            (TaskState.Starting, "starting", null, null, 1.3),
            (TaskState.Running, "started", null, null, 1.5));

        var combined = TaskStatusChanges.Combine(changes)!;

        Assert.Equal(TaskState.Running, combined.State);
        Assert.Equal("started", combined.Message);
        Assert.Equal(Now.AddSeconds(1.5), combined.At);
        Assert.Equal([TaskState.Accepted, TaskState.Preparing, TaskState.Ready, TaskState.Starting], combined.Passed!.Select(p => p.State));
        Assert.Equal(Now.AddSeconds(1), combined.Passed![0].At);
        var separately = changes.Aggregate(task, (t, c) => t.Apply(c));
        Assert.Equal(separately, task.Apply(combined) with { });
        Assert.Equal(Now.AddSeconds(1.5), task.Apply(combined).StartedAt);
    }

    [Fact]
    public void A_task_that_ran_and_ended_in_one_report_keeps_its_start_time_error_and_exit_code()
    {
        var task = Assigned();
        var changes = Decide(task,
            (TaskState.Accepted, "accepted", null, null, 1),
            (TaskState.Starting, "starting", null, null, 2),
            (TaskState.Running, "started", null, null, 3),
            (TaskState.Failed, "finished", "task: non-zero exit (3)", 3, 4));

        var ended = task.Apply(TaskStatusChanges.Combine(changes)!);

        Assert.Equal(TaskState.Failed, ended.State);
        Assert.Equal(Now.AddSeconds(3), ended.StartedAt);
        Assert.Equal(Now.AddSeconds(4), ended.EndedAt);
        Assert.Equal("task: non-zero exit (3)", ended.Error);
        Assert.Equal(3, ended.ExitCode);
        Assert.Equal(changes.Aggregate(task, (t, c) => t.Apply(c)), ended);
    }

    [Fact]
    public void One_change_is_written_as_it_is_and_none_writes_nothing()
    {
        var single = Decide(Assigned(), (TaskState.Accepted, "accepted", null, null, 1));

        Assert.Same(single[0], TaskStatusChanges.Combine(single));
        Assert.Null(TaskStatusChanges.Combine([]));
    }
}
