using Swarm.Contracts.Model;
using Swarm.Domain.Orchestration.Replicated;
using Swarm.Domain.Orchestration.TaskReaper;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Orchestration.Restart;

/// <summary>
/// A slot's restarts are counted from the history its tasks carry, not from the tasks still in the read
/// model: the reaper trims those, and moves and updates replace them without restarting anything.
/// </summary>
public class RestartHistoryTests
{
    private static readonly DateTimeOffset T0 = Scenario.T0;
    private static readonly Guid NodeA = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Dictionary<Guid, string> NoneDown = [];

    /// <summary>The running task of slot 1 fails; the orchestrator reconciles, then reaps with <paramref name="limit"/>.</summary>
    private static (List<SwarmTask> Tasks, bool Restarted) FailAndReconcile(Service service, List<SwarmTask> tasks, DateTimeOffset now, int limit)
    {
        tasks = Scenario.Fail(Scenario.Agent(tasks, NodeA, now), t => t.DesiredState == DesiredState.Running, now);
        var plan = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, now);
        tasks = Scenario.Apply(service, tasks, plan, now);
        var reaped = Reaper.Plan(service, tasks, new HashSet<Guid>(), limit).Reap.ToHashSet();
        return (tasks.Where(t => !reaped.Contains(t.Id)).ToList(), plan.Create.Count > 0);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(1)]
    [InlineData(0)]
    public void Max_attempts_stop_restarts_when_the_reaper_trims_the_slot_history(int limit)
    {
        var service = Scenario.NewService(1, new RestartPolicySpec { Condition = "any", DelaySeconds = 0, MaxAttempts = 12 });
        var tasks = Scenario.Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        var restarts = 0;
        for (var i = 1; i <= 40; i++)
        {
            (tasks, var restarted) = FailAndReconcile(service, tasks, T0.AddSeconds(i), limit);
            restarts += restarted ? 1 : 0;
        }

        Assert.Equal(12, restarts);
        Assert.True(tasks.Count <= limit + 1, $"{tasks.Count} tasks kept with a history limit of {limit}");
        var holder = Assert.Single(tasks, t => t.DesiredState == DesiredState.Completed);
        Assert.Equal(12, holder.Restarts?.Count);
        Assert.True(ReplicatedReconciler.Reconcile(service, tasks, NoneDown, T0.AddMinutes(5)).IsEmpty);
    }

    [Fact]
    public void Within_a_window_only_the_restarts_of_the_window_count_whatever_was_reaped()
    {
        var service = Scenario.NewService(1, new RestartPolicySpec { Condition = "any", DelaySeconds = 0, MaxAttempts = 3, WindowSeconds = 60 });
        var tasks = Scenario.Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        var restarts = 0;
        for (var i = 1; i <= 10; i++)
        {
            (tasks, var restarted) = FailAndReconcile(service, tasks, T0.AddSeconds(i), limit: 1);
            restarts += restarted ? 1 : 0;
        }

        Assert.Equal(3, restarts);
        var holder = Assert.Single(tasks, t => t.DesiredState == DesiredState.Completed);
        Assert.Equal((3, 3), (holder.Restarts?.Count, holder.Restarts?.Recent?.Count));
    }

    [Fact]
    public void Restarts_that_left_the_window_no_longer_count()
    {
        var service = Scenario.NewService(1, new RestartPolicySpec { Condition = "any", DelaySeconds = 0, MaxAttempts = 2, WindowSeconds = 10 });
        var tasks = Scenario.Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        var restarts = 0;
        for (var i = 1; i <= 20; i++)
        {
            // one failure every 6 s: never more than two restarts within 10 s
            (tasks, var restarted) = FailAndReconcile(service, tasks, T0.AddSeconds(6 * i), limit: 1);
            restarts += restarted ? 1 : 0;
        }

        Assert.Equal(20, restarts);
        Assert.Equal(20, tasks.Max(t => t.Restarts?.Count));
        Assert.All(tasks, t => Assert.True((t.Restarts?.Recent?.Count ?? 0) <= 2));
    }

    [Fact]
    public void A_drain_replacement_is_not_counted_as_a_restart_and_keeps_the_count()
    {
        var service = Scenario.NewService(1, new RestartPolicySpec { Condition = "any", DelaySeconds = 0, MaxAttempts = 1 });
        var tasks = Scenario.Agent(Scenario.Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0), NodeA, T0);

        var drained = ReplicatedReconciler.Reconcile(service, tasks, new Dictionary<Guid, string> { [NodeA] = "drained" }, T0.AddSeconds(1));
        Assert.Single(drained.Create);
        tasks = Scenario.Apply(service, tasks, drained, T0.AddSeconds(1));

        // the moved task fails: its slot has not restarted yet, so it restarts once, then no more
        (tasks, var restarted) = FailAndReconcile(service, tasks, T0.AddSeconds(2), limit: 5);
        Assert.True(restarted);
        tasks = Scenario.Agent(tasks, NodeA, T0.AddSeconds(2));
        var moved = ReplicatedReconciler.Reconcile(service, tasks, new Dictionary<Guid, string> { [NodeA] = "down" }, T0.AddSeconds(3));
        Assert.Equal(1, Assert.Single(moved.Create).Restarts?.Count);
        (_, restarted) = FailAndReconcile(service, tasks, T0.AddSeconds(4), limit: 5);
        Assert.False(restarted);
    }

    [Fact]
    public void Update_replacements_are_not_restarts_and_a_new_spec_version_counts_from_zero()
    {
        var service = Scenario.NewService(1, new RestartPolicySpec { Condition = "any", DelaySeconds = 0, MaxAttempts = 1 });
        var tasks = Scenario.Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, T0), T0);
        (tasks, var restarted) = FailAndReconcile(service, tasks, T0.AddSeconds(1), limit: 5);
        Assert.True(restarted);

        var updated = Scenario.Updated(service, service.Spec with { Command = ["sleep", "7200"] }, T0.AddSeconds(2));
        tasks = Scenario.Agent(tasks, NodeA, T0.AddSeconds(2));
        var update = ReplicatedReconciler.Reconcile(updated, tasks, NoneDown, T0.AddSeconds(2));
        var replacement = Assert.Single(update.Create);
        Assert.Null(replacement.Restarts);
        tasks = Scenario.Apply(updated, tasks, update, T0.AddSeconds(2));

        (tasks, restarted) = FailAndReconcile(updated, tasks, T0.AddSeconds(3), limit: 5);
        Assert.True(restarted);
        (_, restarted) = FailAndReconcile(updated, tasks, T0.AddSeconds(4), limit: 5);
        Assert.False(restarted);
    }

    [Fact]
    public void The_reaper_keeps_a_slot_holder_whose_restarts_ran_out_even_with_a_history_limit_of_zero()
    {
        var service = Scenario.NewService(1);
        var holder = new SwarmTask { Id = Guid.NewGuid(), ServiceId = service.Id, Slot = 1, Attempt = 3, State = TaskState.Failed, DesiredState = DesiredState.Completed };
        var older = holder with { Id = Guid.NewGuid(), Attempt = 2, DesiredState = DesiredState.Shutdown };

        Assert.Equal([older.Id], Reaper.Plan(service, [holder, older], new HashSet<Guid>(), limit: 0).Reap);
    }
}
