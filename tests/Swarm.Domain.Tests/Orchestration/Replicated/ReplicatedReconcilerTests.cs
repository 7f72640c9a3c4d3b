using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Orchestration.Replicated;
using Swarm.Domain.Orchestration;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Orchestration.Replicated;

public class ReplicatedReconcilerTests
{
    private static Service NewService(int replicas, RestartPolicySpec? restart = null) => Scenario.NewService(replicas, restart);

    private static Service Updated(Service service, ServiceSpec spec, DateTimeOffset? at = null) => Scenario.Updated(service, spec, at);

    private static List<SwarmTask> Apply(Service service, List<SwarmTask> tasks, ReconcilePlan plan, DateTimeOffset now) => Scenario.Apply(service, tasks, plan, now);

    private static List<SwarmTask> Run(List<SwarmTask> tasks, Guid node, params int[] slots) => Scenario.Run(tasks, node, slots);

    private static List<SwarmTask> Live(IEnumerable<SwarmTask> tasks) => Scenario.Live(tasks);

    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid NodeA = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Guid NodeB = Guid.Parse("bbbbbbbb-0000-0000-0000-000000000002");
    private static readonly Dictionary<Guid, string> NoneDown = [];

    [Fact]
    public void A_new_service_gets_one_task_per_slot_from_one()
    {
        var service = NewService(6);
        var plan = ReplicatedReconciler.Reconcile(service, [], NoneDown, T0);
        Assert.Equal([1, 2, 3, 4, 5, 6], plan.Create.Select(c => c.Slot).Order());
        Assert.All(plan.Create, c => Assert.Equal((1, DesiredState.Running), (c.Attempt, c.DesiredState)));
    }

    [Fact]
    public void Scale_down_keeps_tasks_balanced_across_nodes_whatever_their_slots()
    {
        var service = NewService(6);
        var tasks = Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        tasks = Run(Run(tasks, NodeA, 1, 2, 3), NodeB, 4, 5, 6);

        var plan = ReplicatedReconciler.Reconcile(Updated(service, service.Spec with { Replicas = 2 }), tasks, NoneDown, T0);
        var kept = tasks.Where(t => plan.Changes.All(c => c.TaskId != t.Id)).ToList();

        Assert.Equal(2, kept.Count);
        Assert.Single(kept, t => t.NodeId == NodeA);
        Assert.Single(kept, t => t.NodeId == NodeB);
    }

    [Fact]
    public void Reconciling_again_after_applying_a_plan_changes_nothing()
    {
        var service = NewService(6);
        var tasks = Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        Assert.True(ReplicatedReconciler.Reconcile(service, tasks, NoneDown, T0).IsEmpty);
    }

    [Fact]
    public void Scale_down_removes_tasks_not_running_first_then_busiest_node_then_highest_slots()
    {
        var service = NewService(6);
        var tasks = Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        tasks = Run(tasks, NodeA, 1, 2, 3, 4);
        tasks = Run(tasks, NodeB, 5);
        // slot 6 is still pending
        var scaled = Updated(service, service.Spec with { Replicas = 2 });

        var plan = ReplicatedReconciler.Reconcile(scaled, tasks, NoneDown, T0);
        var removedSlots = plan.Changes.Where(c => c.DesiredState == DesiredState.Remove).Select(c => tasks.Single(t => t.Id == c.TaskId).Slot).Order().ToArray();

        // 6 is not running; then node A has 4 tasks: its highest slots 4, 3, 2 go
        Assert.Equal([2, 3, 4, 6], removedSlots);
        Assert.Contains(tasks.Single(t => t.Slot == 6).Id, plan.ShutdownUnassigned);
        Assert.Empty(plan.Create);

        var after = Apply(scaled, tasks, plan, T0);
        Assert.Equal([1, 5], Live(after).Select(t => t.Slot));
        Assert.True(ReplicatedReconciler.Reconcile(scaled, after, NoneDown, T0).IsEmpty);
    }

    [Fact]
    public void A_failed_task_is_replaced_in_its_slot_after_the_restart_delay()
    {
        var service = NewService(3, new RestartPolicySpec { Condition = "on-failure", DelaySeconds = 5 });
        var tasks = Run(Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0), NodeA, 1, 2, 3);
        var failed = tasks.Single(t => t.Slot == 2);
        tasks = tasks.Select(t => t.Id == failed.Id ? t with { State = TaskState.Failed } : t).ToList();

        var t1 = T0.AddSeconds(10);
        var plan = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, t1);
        var replacement = Assert.Single(plan.Create);
        Assert.Equal((2, 2, DesiredState.Ready), (replacement.Slot, replacement.Attempt, replacement.DesiredState));
        Assert.Equal(t1.AddSeconds(5), replacement.StartAfter);
        Assert.Contains(plan.Changes, c => c.TaskId == failed.Id && c.DesiredState == DesiredState.Shutdown);

        tasks = Apply(service, tasks, plan, t1);
        Assert.True(ReplicatedReconciler.Reconcile(service, tasks, NoneDown, t1.AddSeconds(4)).IsEmpty);

        var promote = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, t1.AddSeconds(5));
        var change = Assert.Single(promote.Changes);
        Assert.Equal(DesiredState.Running, change.DesiredState);
        Assert.Equal(TaskIds.ForSlot(service.Id, 2, 2), change.TaskId);
    }

    [Fact]
    public void Zero_delay_restarts_run_at_once()
    {
        var service = NewService(1, new RestartPolicySpec { Condition = "any", DelaySeconds = 0 });
        var tasks = Run(Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0), NodeA, 1);
        tasks = [tasks[0] with { State = TaskState.Complete }];
        var plan = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, T0);
        var replacement = Assert.Single(plan.Create);
        Assert.Equal(DesiredState.Running, replacement.DesiredState);
        Assert.Null(replacement.StartAfter);
    }

    [Theory]
    [InlineData("none", TaskState.Failed, false)]
    [InlineData("on-failure", TaskState.Complete, false)]
    [InlineData("on-failure", TaskState.Failed, true)]
    [InlineData("on-failure", TaskState.Rejected, true)]
    [InlineData("any", TaskState.Complete, true)]
    public void The_restart_condition_decides_whether_an_ended_task_is_replaced(string condition, TaskState ended, bool restarted)
    {
        var service = NewService(1, new RestartPolicySpec { Condition = condition, DelaySeconds = 0 });
        var tasks = Run(Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0), NodeA, 1);
        tasks = [tasks[0] with { State = ended }];
        var plan = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, T0);
        Assert.Equal(restarted ? 1 : 0, plan.Create.Count);
        if (!restarted)
        {
            // the ended task keeps its slot, and is not revisited
            Assert.Equal(DesiredState.Completed, Assert.Single(plan.Changes).DesiredState);
            Assert.True(ReplicatedReconciler.Reconcile(service, Apply(service, tasks, plan, T0), NoneDown, T0.AddHours(1)).IsEmpty);
        }
    }

    [Fact]
    public void Max_attempts_stops_restarts_within_the_window()
    {
        var service = NewService(1, new RestartPolicySpec { Condition = "any", DelaySeconds = 0, MaxAttempts = 2, WindowSeconds = 60 });
        var tasks = Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        var now = T0;
        for (var i = 0; i < 2; i++)
        {
            tasks = tasks.Select(t => t.DesiredState == DesiredState.Running ? t with { State = TaskState.Failed, NodeId = NodeA } : t).ToList();
            now = now.AddSeconds(1);
            var plan = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, now);
            Assert.Single(plan.Create);
            tasks = Apply(service, tasks, plan, now);
        }

        tasks = tasks.Select(t => t.DesiredState == DesiredState.Running ? t with { State = TaskState.Failed, NodeId = NodeA } : t).ToList();
        var third = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, now.AddSeconds(1));
        Assert.Empty(third.Create);
        Assert.Equal(3, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(1, t.Slot));
    }

    [Fact]
    public void Restarts_outside_the_window_do_not_count()
    {
        var service = NewService(1, new RestartPolicySpec { Condition = "any", DelaySeconds = 0, MaxAttempts = 1, WindowSeconds = 10 });
        var tasks = Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        tasks = [tasks[0] with { State = TaskState.Failed }];
        tasks = Apply(service, tasks, ReplicatedReconciler.Reconcile(service, tasks, NoneDown, T0), T0);
        tasks = tasks.Select(t => t.DesiredState == DesiredState.Running ? t with { State = TaskState.Failed } : t).ToList();

        Assert.Empty(ReplicatedReconciler.Reconcile(service, tasks, NoneDown, T0.AddSeconds(5)).Create);
        Assert.Empty(ReplicatedReconciler.Reconcile(service, tasks, NoneDown, T0.AddSeconds(5)).Create);
        Assert.Single(ReplicatedReconciler.Reconcile(service, tasks, NoneDown, T0.AddSeconds(11)).Create);
    }

    [Fact]
    public void Tasks_of_a_down_node_are_replaced_at_once_in_the_same_slots()
    {
        var service = NewService(4);
        var tasks = Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        tasks = Run(Run(tasks, NodeA, 1, 3), NodeB, 2, 4);

        var plan = ReplicatedReconciler.Reconcile(service, tasks, new Dictionary<Guid, string> { [NodeB] = "down" }, T0);
        Assert.Equal([2, 4], plan.Create.Select(c => c.Slot).Order());
        Assert.All(plan.Create, c => Assert.Equal((2, DesiredState.Running), (c.Attempt, c.DesiredState)));
        Assert.Equal(2, plan.Changes.Count(c => c.DesiredState == DesiredState.Shutdown));

        var after = Apply(service, tasks, plan, T0);
        Assert.True(ReplicatedReconciler.Reconcile(service, after, new Dictionary<Guid, string> { [NodeB] = "down" }, T0).IsEmpty);
    }

    [Fact]
    public void Tasks_of_a_drained_node_are_shut_down_and_replaced_with_the_reason()
    {
        var service = NewService(2);
        var tasks = Run(Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0), NodeA, 1, 2);
        var plan = ReplicatedReconciler.Reconcile(service, tasks, new Dictionary<Guid, string> { [NodeA] = "drained" }, T0);
        Assert.Equal(2, plan.Create.Count);
        Assert.All(plan.Changes, c => Assert.Equal(("node is drained", DesiredState.Shutdown), (c.Reason, c.DesiredState)));
    }

    [Fact]
    public void With_start_first_order_a_drain_starts_the_replacement_before_stopping_the_old_task()
    {
        var service = NewService(1);
        service = service with { Spec = service.Spec with { UpdateConfig = new UpdateConfigSpec { Order = "start-first" } } };
        var tasks = Run(Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0), NodeA, 1);
        var drained = new Dictionary<Guid, string> { [NodeA] = "drained" };

        var plan = ReplicatedReconciler.Reconcile(service, tasks, drained, T0);
        Assert.Single(plan.Create);
        Assert.Empty(plan.Changes);
        tasks = Apply(service, tasks, plan, T0);

        // the replacement is placed but not yet running: the old one keeps serving
        tasks = tasks.Select(t => t.Attempt == 2 ? t with { State = TaskState.Assigned, NodeId = NodeB } : t).ToList();
        Assert.True(ReplicatedReconciler.Reconcile(service, tasks, drained, T0).IsEmpty);

        tasks = tasks.Select(t => t.Attempt == 2 ? t with { State = TaskState.Running } : t).ToList();
        var stop = Assert.Single(ReplicatedReconciler.Reconcile(service, tasks, drained, T0).Changes);
        Assert.Equal((tasks.Single(t => t.Attempt == 1).Id, DesiredState.Shutdown), (stop.TaskId, stop.DesiredState));
    }

    [Fact]
    public void Removing_a_service_removes_every_task_and_shuts_down_those_never_placed()
    {
        var service = NewService(3);
        var tasks = Run(Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0), NodeA, 1, 2);
        var removed = service.Apply(new ServiceRemoved { ServiceId = service.Id, RemovedAt = T0 });

        var plan = ReplicatedReconciler.Reconcile(removed, tasks, NoneDown, T0);
        Assert.Equal(3, plan.Changes.Count(c => c.DesiredState == DesiredState.Remove));
        Assert.Equal([tasks.Single(t => t.Slot == 3).Id], plan.ShutdownUnassigned);
        Assert.Empty(plan.Create);
    }

    [Fact]
    public void A_changed_command_replaces_tasks_and_a_replica_change_alone_does_not()
    {
        var service = NewService(2);
        var tasks = Run(Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0), NodeA, 1, 2);

        var scaled = Updated(service, service.Spec with { Replicas = 3 });
        Assert.Equal([3], ReplicatedReconciler.Reconcile(scaled, tasks, NoneDown, T0).Create.Select(c => c.Slot));

        var changed = Updated(service, service.Spec with { Command = ["sleep", "10"] });
        var plan = ReplicatedReconciler.Reconcile(changed, tasks, NoneDown, T0);
        var first = Assert.Single(plan.Create); // parallelism 1 by default
        Assert.Equal((1, 2), (first.Slot, first.Attempt));
    }

    [Fact]
    public void Scaling_up_after_down_reuses_free_slots_with_new_attempts()
    {
        var service = NewService(3);
        var tasks = Run(Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0), NodeA, 1, 2, 3);
        var down = Updated(service, service.Spec with { Replicas = 1 });
        tasks = Apply(down, tasks, ReplicatedReconciler.Reconcile(down, tasks, NoneDown, T0), T0);
        var up = Updated(down, service.Spec with { Replicas = 3 });

        var plan = ReplicatedReconciler.Reconcile(up, tasks, NoneDown, T0);
        Assert.Equal([(2, 2), (3, 2)], plan.Create.Select(c => (c.Slot, c.Attempt)).Order());
    }
}
