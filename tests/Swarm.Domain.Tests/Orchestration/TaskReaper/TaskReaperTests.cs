using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Orchestration.TaskReaper;
using Swarm.Domain.Orchestration;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Orchestration.TaskReaper;

public class TaskReaperTests
{
    private static readonly Guid Node = Guid.NewGuid();

    private static SwarmTask Ended(Guid service, int slot, int attempt, DesiredState desired = DesiredState.Shutdown, TaskState state = TaskState.Failed) => new()
    {
        Id = TaskIds.ForSlot(service, slot, attempt), ServiceId = service, Slot = slot, Attempt = attempt, State = state, DesiredState = desired, NodeId = Node, CreatedAt = Scenario.T0.AddSeconds(attempt),
    };

    [Fact]
    public void Only_the_newest_ended_tasks_of_a_slot_are_kept()
    {
        var service = Scenario.NewService(1);
        var tasks = Enumerable.Range(1, 8).Select(a => Ended(service.Id, 1, a)).Append(Ended(service.Id, 1, 9, DesiredState.Running, TaskState.Running)).ToList();

        var plan = Reaper.Plan(service, tasks, new HashSet<Guid>(), limit: 5);

        Assert.Equal([1, 2, 3], plan.Reap.Select(id => tasks.Single(t => t.Id == id).Attempt).Order());
        Assert.Empty(plan.Orphan);
    }

    [Fact]
    public void Ended_tasks_told_to_go_are_reaped_whatever_the_limit()
    {
        var service = Scenario.NewService(2);
        var tasks = new List<SwarmTask> { Ended(service.Id, 2, 1, DesiredState.Remove, TaskState.Shutdown), Ended(service.Id, 1, 1, DesiredState.Running, TaskState.Running) };
        Assert.Equal([tasks[0].Id], Reaper.Plan(service, tasks, new HashSet<Guid>(), limit: 5).Reap);

        var removed = service.Apply(new ServiceRemoved { ServiceId = service.Id, RemovedAt = Scenario.T0 });
        var gone = tasks.Select(t => t with { State = TaskState.Shutdown, DesiredState = DesiredState.Remove }).ToList();
        Assert.Equal(2, Reaper.Plan(removed, gone, new HashSet<Guid>(), limit: 5).Reap.Count);
    }

    [Fact]
    public void A_task_told_to_stop_on_a_down_node_is_orphaned_instead_of_stuck()
    {
        var service = Scenario.NewService(1);
        var stuck = Ended(service.Id, 1, 1, DesiredState.Remove, TaskState.Running);
        var plan = Reaper.Plan(service, [stuck], new HashSet<Guid> { Node }, limit: 5);
        Assert.Equal([stuck.Id], plan.Orphan);
        Assert.NotNull(TaskDecisions.Orphan(stuck, "node down", Scenario.T0));
        Assert.Empty(Reaper.Plan(service, [stuck], new HashSet<Guid>(), limit: 5).Orphan);
    }

    [Fact]
    public void Completed_job_tasks_of_the_current_iteration_are_kept()
    {
        var service = Scenario.NewService(1) with { };
        service = service with { Spec = service.Spec with { Mode = "replicated-job", Replicas = null, TotalCompletions = 10 } };
        var done = Enumerable.Range(0, 10).Select(slot => Ended(service.Id, slot, 1, DesiredState.Completed, TaskState.Complete) with { SpecVersion = 1 }).ToList();
        Assert.Empty(Reaper.Plan(service, done, new HashSet<Guid>(), limit: 0).Reap);
    }
}
