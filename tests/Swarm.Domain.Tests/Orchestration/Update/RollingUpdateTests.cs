using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Orchestration.Replicated;
using Swarm.Domain.Orchestration.Update;
using Swarm.Domain.Orchestration;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Orchestration.Update;

public class RollingUpdateTests
{
    private static readonly Guid Node = Guid.NewGuid();
    private static readonly Dictionary<Guid, string> NoneDown = [];

    /// <summary>A running 6-replica service, then an update of its command with the given config.</summary>
    private static (Service Service, List<SwarmTask> Tasks) RunningThenUpdated(UpdateConfigSpec config, IReadOnlyList<string> newCommand, RestartPolicySpec? restart = null)
    {
        var service = Scenario.NewService(6, restart ?? new RestartPolicySpec { Condition = "any", DelaySeconds = 0 });
        service = service with { Spec = service.Spec with { UpdateConfig = config, RollbackConfig = new UpdateConfigSpec { Parallelism = 0, MonitorSeconds = 1 } } };
        var tasks = Scenario.Agent(Scenario.Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, Scenario.T0), Scenario.T0), Node, Scenario.T0);
        var updated = Scenario.Updated(service, service.Spec with { Command = newCommand }, Scenario.T0.AddSeconds(10));
        return (updated, tasks);
    }

    /// <summary>Runs reconcile + agent rounds, 250 ms apart, recording how many tasks run after each.</summary>
    private static (Service, List<SwarmTask>, List<int> Running) Drive(Service service, List<SwarmTask> tasks, DateTimeOffset from, int rounds, Func<List<SwarmTask>, DateTimeOffset, List<SwarmTask>>? agent = null)
    {
        var running = new List<int>();
        var now = from;
        for (var i = 0; i < rounds; i++)
        {
            var plan = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, now);
            tasks = Scenario.Apply(service, tasks, plan, now);
            service = Scenario.ApplyService(service, plan);
            running.Add(tasks.Count(t => t.State == TaskState.Running && !t.IsTerminal));
            now = now.AddMilliseconds(250);
            tasks = (agent ?? ((t, at) => Scenario.Agent(t, Node, at)))(tasks, now);
            running.Add(tasks.Count(t => t.State == TaskState.Running));
        }

        return (service, tasks, running);
    }

    private static bool Current(Service service, SwarmTask task) => !RollingUpdate.IsDirty(service, task);

    [Fact]
    public void Stop_first_replaces_two_at_a_time_and_never_runs_fewer_than_four()
    {
        var (service, tasks) = RunningThenUpdated(new UpdateConfigSpec { Parallelism = 2, DelaySeconds = 1, MonitorSeconds = 1 }, ["sleep", "7200"]);
        Assert.Equal(UpdateStates.Updating, service.UpdateStatus!.State);

        var first = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, Scenario.T0.AddSeconds(10));
        Assert.Equal([1, 2], first.Create.Select(c => c.Slot).Order());
        Assert.Equal(2, first.Changes.Count(c => c.DesiredState == DesiredState.Shutdown));

        var (after, final, running) = Drive(service, tasks, Scenario.T0.AddSeconds(10), 60);
        Assert.True(running.Min() >= 4, $"running dropped to {running.Min()}");
        Assert.True(running.Max() <= 6, $"running rose to {running.Max()}");
        var live = final.Where(t => t.DesiredState == DesiredState.Running).ToList();
        Assert.Equal(6, live.Count);
        Assert.All(live, t => Assert.Equal(["sleep", "7200"], t.Spec.Command));
        Assert.Equal(UpdateStates.Completed, after.UpdateStatus!.State);
    }

    [Fact]
    public void Start_first_keeps_the_old_task_until_the_new_one_runs_and_never_runs_more_than_eight()
    {
        var (service, tasks) = RunningThenUpdated(new UpdateConfigSpec { Parallelism = 2, DelaySeconds = 1, MonitorSeconds = 1, Order = "start-first" }, ["sleep", "7200"]);

        var first = ReplicatedReconciler.Reconcile(service, tasks, NoneDown, Scenario.T0.AddSeconds(10));
        Assert.Equal(2, first.Create.Count);
        Assert.Empty(first.Changes);

        var (after, final, running) = Drive(service, tasks, Scenario.T0.AddSeconds(10), 60);
        Assert.True(running.Min() >= 6, $"running dropped to {running.Min()}");
        Assert.True(running.Max() <= 8, $"running rose to {running.Max()}");
        Assert.Equal(6, final.Count(t => t.State == TaskState.Running));
        Assert.Equal(UpdateStates.Completed, after.UpdateStatus!.State);
    }

    [Fact]
    public void A_broken_update_with_failure_action_rollback_returns_every_slot_to_the_old_spec()
    {
        var (service, tasks) = RunningThenUpdated(new UpdateConfigSpec { Parallelism = 2, DelaySeconds = 1, MonitorSeconds = 5, FailureAction = "rollback" }, ["false"]);
        List<SwarmTask> BrokenAgent(List<SwarmTask> t, DateTimeOffset at) =>
            Scenario.Fail(Scenario.Agent(t, Node, at), x => x.Spec.Command.SequenceEqual(["false"]) && x.State == TaskState.Running, at);

        var (after, final, running) = Drive(service, tasks, Scenario.T0.AddSeconds(10), 80, BrokenAgent);

        Assert.Equal(UpdateStates.RollbackCompleted, after.UpdateStatus!.State);
        Assert.Equal(["sleep", "3600"], after.Spec.Command);
        var live = final.Where(t => t.DesiredState == DesiredState.Running && t.State == TaskState.Running).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], live.Select(t => t.Slot).Order());
        Assert.All(live, t => Assert.Equal(["sleep", "3600"], t.Spec.Command));
        Assert.True(running.Min() >= 4, $"running dropped to {running.Min()}");
        Assert.Equal(2, final.Count(t => t.Spec.Command.SequenceEqual(["false"])));
    }

    [Fact]
    public void A_failed_update_with_failure_action_pause_stops_replacing_and_says_why()
    {
        var (service, tasks) = RunningThenUpdated(new UpdateConfigSpec { Parallelism = 1, MonitorSeconds = 5, FailureAction = "pause" }, ["false"], new RestartPolicySpec { Condition = "none" });
        List<SwarmTask> BrokenAgent(List<SwarmTask> t, DateTimeOffset at) =>
            Scenario.Fail(Scenario.Agent(t, Node, at), x => x.Spec.Command.SequenceEqual(["false"]) && x.State == TaskState.Running, at);

        var (after, final, _) = Drive(service, tasks, Scenario.T0.AddSeconds(10), 30, BrokenAgent);

        Assert.Equal(UpdateStates.Paused, after.UpdateStatus!.State);
        Assert.Contains("1 of 6 tasks failed", after.UpdateStatus.Message);
        Assert.Single(final, t => t.Spec.Command.SequenceEqual(["false"]));
        Assert.Equal(5, final.Count(t => t.State == TaskState.Running && t.Spec.Command.SequenceEqual(["sleep", "3600"])));
    }

    [Fact]
    public void Failures_within_the_ratio_let_the_update_continue()
    {
        var (service, tasks) = RunningThenUpdated(new UpdateConfigSpec { Parallelism = 3, MonitorSeconds = 1, MaxFailureRatio = 0.5 }, ["sleep", "7200"]);
        var failedOnce = false;
        List<SwarmTask> FlakyAgent(List<SwarmTask> t, DateTimeOffset at)
        {
            if (!failedOnce && t.Any(x => x.Spec.Command.SequenceEqual(["sleep", "7200"]) && x.State == TaskState.Running))
            {
                failedOnce = true;
                var victim = t.First(x => x.Spec.Command.SequenceEqual(["sleep", "7200"]) && x.State == TaskState.Running);
                t = Scenario.Fail(t, x => x.Id == victim.Id, at);
            }

            return Scenario.Agent(t, Node, at);
        }

        var (after, final, _) = Drive(service, tasks, Scenario.T0.AddSeconds(10), 40, FlakyAgent);
        Assert.True(failedOnce);
        Assert.Equal(UpdateStates.Completed, after.UpdateStatus!.State);
        Assert.All(final.Where(t => t.State == TaskState.Running), t => Assert.True(Current(after, t)));
    }

    [Fact]
    public void A_replica_change_alone_starts_no_update_and_force_replaces_everything()
    {
        var service = Scenario.NewService(2);
        var tasks = Scenario.Agent(Scenario.Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, Scenario.T0), Scenario.T0), Node, Scenario.T0);

        var scaled = Scenario.Updated(service, service.Spec with { Replicas = 2, Labels = new Dictionary<string, string> { ["a"] = "b" } });
        Assert.Null(scaled.UpdateStatus);
        Assert.True(ReplicatedReconciler.Reconcile(scaled, tasks, NoneDown, Scenario.T0).IsEmpty);

        var forced = Scenario.Updated(scaled, scaled.Spec with { ForceUpdate = 1, UpdateConfig = new UpdateConfigSpec { Parallelism = 0 } });
        Assert.Equal(UpdateStates.Updating, forced.UpdateStatus!.State);
        Assert.Equal(2, ReplicatedReconciler.Reconcile(forced, tasks, NoneDown, Scenario.T0).Create.Count);
    }

    [Fact]
    public void A_rollback_that_fails_too_pauses_instead_of_rolling_back_again()
    {
        var service = Scenario.NewService(2) with { };
        service = service with
        {
            Spec = service.Spec with { RollbackConfig = new UpdateConfigSpec { FailureAction = "rollback", MonitorSeconds = 5 } },
            PreviousSpec = service.Spec with { Command = ["false"] },
        };
        var rolled = service.Apply(new ServiceRolledBack { ServiceId = service.Id, Spec = service.PreviousSpec!, PreviousSpec = service.Spec, SpecVersion = 2, At = Scenario.T0, Reason = "rollback requested" });
        var tasks = Scenario.Agent(Scenario.Apply(service, [], ReplicatedReconciler.Reconcile(service, [], NoneDown, Scenario.T0.AddSeconds(-10)), Scenario.T0.AddSeconds(-10)), Node, Scenario.T0.AddSeconds(-10));
        List<SwarmTask> BrokenAgent(List<SwarmTask> t, DateTimeOffset at) =>
            Scenario.Fail(Scenario.Agent(t, Node, at), x => x.Spec.Command.SequenceEqual(["false"]) && x.State == TaskState.Running, at);

        var (after, _, _) = Drive(rolled, tasks, Scenario.T0, 20, BrokenAgent);
        Assert.Equal(UpdateStates.RollbackPaused, after.UpdateStatus!.State);
        Assert.Equal(2, after.SpecVersion);
    }
}
