using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration;

/// <summary>
/// Compares a replicated service with its tasks and decides what to change, SwarmKit's way
/// (<c>manager/orchestrator/replicated</c> and <c>restart</c>):
/// <list type="bullet">
/// <item>a slot is occupied by its task whose desired state is ready, running or completed;</item>
/// <item>a task that ended, or whose node is down or drained, is shut down and replaced in the same slot with the
/// next attempt, when the restart policy allows (the replacement waits out the restart delay in
/// desired state <c>ready</c>); when it does not, the task keeps the slot with desired <c>completed</c>;</item>
/// <item>a task made from an older spec that differs is replaced;</item>
/// <item>missing slots are filled lowest first; surplus slots are removed: tasks not running first, then
/// tasks on the nodes with most tasks of the service, then the highest slots.</item>
/// </list>
/// Pure: the same input gives the same plan, and applying a plan twice changes nothing the second time.
/// </summary>
public static class ReplicatedReconciler
{
    /// <param name="unavailableNodes">Nodes whose tasks must move: down (reason "down") or drained (reason "drained").</param>
    public static ReconcilePlan Reconcile(Service service, IReadOnlyCollection<SwarmTask> tasks, IReadOnlyDictionary<Guid, string> unavailableNodes, DateTimeOffset now)
    {
        var create = new List<NewTask>();
        var changes = new List<DesiredChange>();
        var shutdownUnassigned = new List<Guid>();

        void Change(SwarmTask task, DesiredState desired, string reason)
        {
            if (TaskStateMachine.CanChangeDesired(task.DesiredState, desired))
            {
                changes.Add(new DesiredChange(task.Id, desired, reason));
                if (desired >= DesiredState.Shutdown && task.State < TaskState.Assigned)
                {
                    shutdownUnassigned.Add(task.Id);
                }
            }
        }

        // tasks already told to stop that never reached a node are shut down by the manager
        foreach (var task in tasks)
        {
            if (task.DesiredState >= DesiredState.Shutdown && task.State < TaskState.Assigned)
            {
                shutdownUnassigned.Add(task.Id);
            }
        }

        if (service.Removed)
        {
            foreach (var task in tasks)
            {
                Change(task, DesiredState.Remove, "service removed");
            }

            return Done();
        }

        var policy = RestartPolicy.From(service.Spec.RestartPolicy);
        var occupied = new Dictionary<int, SwarmTask>();

        foreach (var slot in tasks.GroupBy(t => t.Slot).OrderBy(g => g.Key))
        {
            var nextAttempt = slot.Max(t => t.Attempt) + 1;
            var live = slot.Where(t => t.DesiredState <= DesiredState.Completed).OrderByDescending(t => t.Attempt).ToList();

            // more than one live task in a slot should not happen; keep the newest
            foreach (var extra in live.Skip(1))
            {
                Change(extra, DesiredState.Shutdown, "superseded in its slot");
            }

            if (live.Count == 0)
            {
                continue;
            }

            var task = live[0];
            if (task.DesiredState == DesiredState.Completed)
            {
                occupied[slot.Key] = task;
                continue;
            }

            if (task.NodeId is { } node && unavailableNodes.TryGetValue(node, out var why) && !task.IsTerminal)
            {
                Change(task, DesiredState.Shutdown, $"node is {why}");
                create.Add(new NewTask(slot.Key, nextAttempt, DesiredState.Running, null, $"replaces {task.Id} (node {why})"));
                occupied[slot.Key] = task;
                continue;
            }

            if (task.IsTerminal)
            {
                if (ShouldRestart(policy, task, slot, now))
                {
                    Change(task, DesiredState.Shutdown, $"task ended ({TaskStateMachine.Display(task.State)}); restarting");
                    var delayed = policy.Delay > TimeSpan.Zero;
                    create.Add(new NewTask(
                        slot.Key,
                        nextAttempt,
                        delayed ? DesiredState.Ready : DesiredState.Running,
                        delayed ? now + policy.Delay : null,
                        $"restarts {task.Id} ({TaskStateMachine.Display(task.State)})"));
                }
                else
                {
                    Change(task, DesiredState.Completed, "restart policy: not restarted");
                }

                occupied[slot.Key] = task;
                continue;
            }

            if (task.SpecVersion < service.SpecVersion && ServiceUpdate.TaskSpecChanged(task.Spec, service.Spec))
            {
                Change(task, DesiredState.Shutdown, "service updated");
                create.Add(new NewTask(slot.Key, nextAttempt, DesiredState.Running, null, $"replaces {task.Id} (service updated)"));
                occupied[slot.Key] = task;
                continue;
            }

            if (task.DesiredState == DesiredState.Ready && task.StartAfter is { } due && due <= now)
            {
                Change(task, DesiredState.Running, "restart delay elapsed");
            }

            occupied[slot.Key] = task;
        }

        var replicas = service.Spec.Replicas ?? 1;
        if (occupied.Count < replicas)
        {
            var nextAttempts = tasks.GroupBy(t => t.Slot).ToDictionary(g => g.Key, g => g.Max(t => t.Attempt) + 1);
            for (var slot = 1; occupied.Count + create.Count(c => !occupied.ContainsKey(c.Slot)) < replicas; slot++)
            {
                if (!occupied.ContainsKey(slot) && create.All(c => c.Slot != slot))
                {
                    create.Add(new NewTask(slot, nextAttempts.GetValueOrDefault(slot, 1), DesiredState.Running, null, "scale up"));
                }
            }
        }
        else if (occupied.Count > replicas)
        {
            var perNode = occupied.Values.Where(t => t.NodeId is not null).GroupBy(t => t.NodeId!.Value).ToDictionary(g => g.Key, g => g.Count());
            var surplus = occupied
                .OrderBy(kv => kv.Value.State == TaskState.Running && kv.Value.DesiredState == DesiredState.Running && create.All(c => c.Slot != kv.Key) ? 1 : 0)
                .ThenByDescending(kv => kv.Value.NodeId is { } n ? perNode[n] : 0)
                .ThenByDescending(kv => kv.Key)
                .Take(occupied.Count - replicas)
                .Select(kv => kv.Key)
                .ToHashSet();

            create.RemoveAll(c => surplus.Contains(c.Slot));
            changes.RemoveAll(c => tasks.First(t => t.Id == c.TaskId) is { } t && surplus.Contains(t.Slot));
            shutdownUnassigned.RemoveAll(id => tasks.First(t => t.Id == id) is { } t && surplus.Contains(t.Slot) && t.DesiredState < DesiredState.Shutdown);
            foreach (var task in tasks.Where(t => surplus.Contains(t.Slot) && t.DesiredState < DesiredState.Remove))
            {
                Change(task, DesiredState.Remove, "scale down");
            }
        }

        return Done();

        ReconcilePlan Done() => new(create, changes, shutdownUnassigned.Distinct().ToList());
    }

    private static bool ShouldRestart(RestartPolicy policy, SwarmTask task, IEnumerable<SwarmTask> slotTasks, DateTimeOffset now)
    {
        if (!policy.ConditionAllows(task.State))
        {
            return false;
        }

        if (policy.MaxAttempts <= 0)
        {
            return true;
        }

        var restarts = slotTasks.Count(t => t.Attempt > 1 && (policy.Window == TimeSpan.Zero || t.CreatedAt >= now - policy.Window));
        return restarts < policy.MaxAttempts;
    }
}
