using Swarm.Contracts.Model;
using Swarm.Domain.Orchestration.Restart;
using Swarm.Domain.Orchestration.Update;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration.Replicated;

/// <summary>
/// Compares a replicated service with its tasks and decides what to change, SwarmKit's way
/// (<c>manager/orchestrator/replicated</c>, <c>restart</c> and <c>update</c>):
/// <list type="bullet">
/// <item>a slot is occupied by its newest task whose desired state is ready, running or completed;</item>
/// <item>a task that ended, or whose node is down or drained, is shut down and replaced in the same slot
/// with the next attempt, when the restart policy allows (the replacement waits out the restart delay in
/// desired state <c>ready</c>); when it does not, the task keeps the slot with desired <c>completed</c>;</item>
/// <item>tasks made from an older spec that differs are replaced by a rolling update
/// (<see cref="RollingUpdate"/>);</item>
/// <item>missing slots are filled lowest first; surplus slots are removed: tasks not running first, then
/// tasks on the nodes with most tasks of the service, then the highest slots.</item>
/// </list>
/// Pure: the same input gives the same plan, and applying a plan twice changes nothing the second time.
/// </summary>
public static class ReplicatedReconciler
{
    /// <param name="unavailableNodes">Nodes whose tasks must move: removed ("removed"), down ("down"), drained ("drained") or no longer suitable.</param>
    public static ReconcilePlan Reconcile(Service service, IReadOnlyCollection<SwarmTask> tasks, IReadOnlyDictionary<Guid, string> unavailableNodes, DateTimeOffset now)
    {
        var plan = new PlanBuilder(tasks).ShutDownStoppedUnassigned();
        if (plan.RemoveAllIfRemoved(service))
        {
            return plan.Build();
        }

        var policy = RestartPolicy.From(service.Spec.RestartPolicy);
        var startFirst = UpdatePolicy.From(service.Spec.UpdateConfig).StartFirst;
        var occupied = new Dictionary<int, SwarmTask>();

        foreach (var slot in tasks.GroupBy(t => t.Slot).OrderBy(g => g.Key))
        {
            var nextAttempt = slot.Max(t => t.Attempt) + 1;
            var live = slot.Where(t => t.DesiredState <= DesiredState.Completed).OrderByDescending(t => t.Attempt).ToList();
            if (live.Count == 0)
            {
                continue;
            }

            var task = live[0];
            occupied[slot.Key] = task;

            // older tasks of the slot (start-first update or drain) stay until the newest one runs
            foreach (var older in live.Skip(1))
            {
                var mustGo = older.NodeId is { } n && unavailableNodes.TryGetValue(n, out var reason) && !(startFirst && reason == "drained");
                if (task.State == TaskState.Running || older.IsTerminal || mustGo)
                {
                    plan.Change(older, DesiredState.Shutdown, "replaced in its slot");
                }
            }

            if (task.DesiredState == DesiredState.Completed)
            {
                continue;
            }

            if (task.NodeId is { } node && unavailableNodes.TryGetValue(node, out var why) && !task.IsTerminal)
            {
                // with start-first order a drain keeps capacity: the old task runs until its replacement does
                if (!(startFirst && why == "drained"))
                {
                    plan.Change(task, DesiredState.Shutdown, $"node is {why}");
                }

                // a move is not a restart: the replacement carries the slot's restarts on unchanged
                plan.Create.Add(new NewTask(slot.Key, nextAttempt, DesiredState.Running, null, $"replaces {task.Id} (node {why})", Restarts: Restarts.History(service, slot)));
                continue;
            }

            if (task.IsTerminal)
            {
                if (Restarts.ShouldRestart(service, policy, task, slot, now))
                {
                    plan.Change(task, DesiredState.Shutdown, $"task ended ({TaskStateMachine.Display(task.State)}); restarting");
                    plan.Create.Add(Restarts.Replacement(policy, slot.Key, nextAttempt, task, Restarts.History(service, slot), now));
                }
                else
                {
                    plan.Change(task, DesiredState.Completed, "restart policy: not restarted");
                }

                continue;
            }

            if (task.DesiredState == DesiredState.Ready && task.StartAfter is { } due && due <= now)
            {
                plan.Change(task, DesiredState.Running, "restart delay elapsed");
            }
        }

        RollingUpdate.Plan(service, tasks, occupied, plan, now);
        Scale(service.Spec.Replicas ?? 1, tasks, occupied, plan);
        return plan.Build();
    }

    private static void Scale(int replicas, IReadOnlyCollection<SwarmTask> tasks, Dictionary<int, SwarmTask> occupied, PlanBuilder plan)
    {
        if (occupied.Count < replicas)
        {
            var nextAttempts = tasks.GroupBy(t => t.Slot).ToDictionary(g => g.Key, g => g.Max(t => t.Attempt) + 1);
            var filled = occupied.Count;
            for (var slot = 1; filled < replicas; slot++)
            {
                if (!occupied.ContainsKey(slot))
                {
                    plan.Create.Add(new NewTask(slot, nextAttempts.GetValueOrDefault(slot, 1), DesiredState.Running, null, "scale up"));
                    filled++;
                }
            }
        }
        else if (occupied.Count > replicas)
        {
            var surplus = PickSurplus(occupied, occupied.Count - replicas, plan.Create.Select(c => c.Slot).ToHashSet());

            var inSurplus = tasks.Where(t => surplus.Contains(t.Slot)).Select(t => t.Id).ToHashSet();
            plan.Create.RemoveAll(c => surplus.Contains(c.Slot));
            plan.Changes.RemoveAll(c => inSurplus.Contains(c.TaskId));
            foreach (var task in tasks.Where(t => inSurplus.Contains(t.Id) && t.DesiredState < DesiredState.Remove))
            {
                plan.Change(task, DesiredState.Remove, "scale down");
            }
        }
    }

    /// <summary>
    /// The slots to remove on scale-down, one at a time: a slot whose task is not running first; then,
    /// from the node that holds the most remaining tasks of the service, its highest slot.
    /// </summary>
    private static HashSet<int> PickSurplus(Dictionary<int, SwarmTask> occupied, int count, HashSet<int> replacing)
    {
        var chosen = new HashSet<int>();
        var notRunning = occupied
            .Where(kv => !(kv.Value.State == TaskState.Running && kv.Value.DesiredState == DesiredState.Running) || replacing.Contains(kv.Key))
            .Select(kv => kv.Key)
            .OrderByDescending(slot => slot);
        foreach (var slot in notRunning)
        {
            if (chosen.Count == count)
            {
                return chosen;
            }

            chosen.Add(slot);
        }

        // the rest all run: each node's slots, highest on top
        var byNode = occupied
            .Where(kv => !chosen.Contains(kv.Key))
            .GroupBy(kv => kv.Value.NodeId ?? Guid.Empty)
            .ToDictionary(g => g.Key, g => new Stack<int>(g.Select(kv => kv.Key).Order()));
        while (chosen.Count < count && byNode.Count > 0)
        {
            var most = byNode.Values.Max(s => s.Count);
            var node = byNode.Where(kv => kv.Value.Count == most).MaxBy(kv => kv.Value.Peek()).Key;
            var slots = byNode[node];
            chosen.Add(slots.Pop());
            if (slots.Count == 0)
            {
                byNode.Remove(node);
            }
        }

        return chosen;
    }
}
