using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Tasks;

public class TaskDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid NodeA = Guid.NewGuid();

    private static SwarmTask Assigned() => new() { Id = Guid.NewGuid(), ServiceId = Guid.NewGuid(), State = TaskState.Assigned, DesiredState = DesiredState.Running, NodeId = NodeA };

    [Fact]
    public void A_node_cannot_report_on_another_nodes_task()
    {
        var ex = Assert.Throws<TaskReportRefusedException>(() => TaskDecisions.Report(Assigned(), Guid.NewGuid(), TaskState.Running, "", null, null, Now));
        Assert.Contains("may not report", ex.Message);
    }

    [Fact]
    public void A_backward_or_repeated_report_is_ignored()
    {
        var running = Assigned() with { State = TaskState.Running };
        Assert.Null(TaskDecisions.Report(running, NodeA, TaskState.Starting, "", null, null, Now));
        Assert.Null(TaskDecisions.Report(running, NodeA, TaskState.Running, "", null, null, Now));
    }

    [Fact]
    public void A_forward_report_becomes_an_event_with_the_exit_code()
    {
        var e = TaskDecisions.Report(Assigned() with { State = TaskState.Running }, NodeA, TaskState.Failed, "exited", "task: non-zero exit (1)", 1, Now);
        Assert.NotNull(e);
        Assert.Equal(TaskState.Failed, e.State);
        Assert.Equal(1, e.ExitCode);
    }

    [Fact]
    public void Agents_cannot_claim_manager_states()
    {
        Assert.Throws<TaskReportRefusedException>(() => TaskDecisions.Report(Assigned(), NodeA, TaskState.Orphaned, "", null, null, Now));
        Assert.Throws<TaskReportRefusedException>(() => TaskDecisions.Report(Assigned(), NodeA, TaskState.Pending, "", null, null, Now));
    }

    [Fact]
    public void Allocation_and_assignment_happen_once()
    {
        var task = new SwarmTask { Id = Guid.NewGuid(), State = TaskState.New, DesiredState = DesiredState.Running };
        var allocated = TaskDecisions.Allocate(task, Guid.NewGuid(), "10.0.0.2", Now);
        Assert.NotNull(allocated);
        task = task.Apply(allocated);
        Assert.Equal(TaskState.Pending, task.State);
        Assert.Null(TaskDecisions.Allocate(task, Guid.NewGuid(), "10.0.0.3", Now));

        var assigned = TaskDecisions.Assign(task, NodeA, Now);
        Assert.NotNull(assigned);
        task = task.Apply(assigned);
        Assert.Null(TaskDecisions.Assign(task, Guid.NewGuid(), Now));
        Assert.Equal(NodeA, task.NodeId);
    }

    [Fact]
    public void A_task_told_to_stop_is_not_placed()
    {
        var task = new SwarmTask { Id = Guid.NewGuid(), State = TaskState.Pending, DesiredState = DesiredState.Remove };
        Assert.Null(TaskDecisions.Assign(task, NodeA, Now));
        Assert.NotNull(TaskDecisions.ShutdownUnassigned(task, "", Now));
    }

    [Fact]
    public void The_same_unschedulable_reason_is_not_written_twice()
    {
        var task = new SwarmTask { Id = Guid.NewGuid(), State = TaskState.Pending, DesiredState = DesiredState.Running };
        var first = TaskDecisions.MarkUnschedulable(task, "no suitable node (1 node not ready)", Now);
        Assert.NotNull(first);
        Assert.Null(TaskDecisions.MarkUnschedulable(task.Apply(first), "no suitable node (1 node not ready)", Now));
    }

    [Fact]
    public void Task_ids_are_derived_from_service_slot_and_attempt()
    {
        var service = Guid.NewGuid();
        Assert.Equal(TaskIds.ForSlot(service, 3, 1), TaskIds.ForSlot(service, 3, 1));
        Assert.NotEqual(TaskIds.ForSlot(service, 3, 1), TaskIds.ForSlot(service, 3, 2));
        Assert.NotEqual(TaskIds.ForSlot(service, 3, 1), TaskIds.ForSlot(service, 4, 1));
        Assert.NotEqual(TaskIds.ForSlot(service, 3, 1), TaskIds.ForSlot(Guid.NewGuid(), 3, 1));
    }
}
