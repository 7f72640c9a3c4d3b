using Swarm.Contracts.Model;
using Swarm.Domain.Orchestration.Restart;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration.Jobs;

/// <summary>
/// Replicated jobs (SwarmKit <c>manager/orchestrator/jobs/replicated</c>): run until
/// <c>totalCompletions</c> tasks completed, at most <c>maxConcurrent</c> at a time, each in its own slot
/// of [0, totalCompletions). Tasks run with desired state <c>completed</c>. A failed task is restarted
/// in its slot per the restart policy (default on-failure). Any change to the spec starts a new
/// iteration: tasks of older iterations are removed and counting starts again.
/// </summary>
public static class JobReconciler
{
    public static ReconcilePlan Reconcile(Service service, IReadOnlyCollection<SwarmTask> tasks, IReadOnlyDictionary<Guid, string> unavailableNodes, DateTimeOffset now)
    {
        var plan = new PlanBuilder(tasks).ShutDownStoppedUnassigned();
        if (plan.RemoveAllIfRemoved(service))
        {
            return plan.Build();
        }

        foreach (var old in tasks.Where(t => t.SpecVersion < service.SpecVersion))
        {
            plan.Change(old, DesiredState.Remove, "a new job iteration started");
        }

        var total = service.Spec.TotalCompletions ?? 1;
        var maxConcurrent = Math.Max(1, service.Spec.MaxConcurrent ?? 1);
        var policy = RestartPolicy.From(service.Spec.RestartPolicy ?? new RestartPolicySpec { Condition = "on-failure" });
        var current = tasks.Where(t => t.SpecVersion == service.SpecVersion).ToList();
        var used = new HashSet<int>();
        var active = 0;

        foreach (var slot in current.GroupBy(t => t.Slot))
        {
            used.Add(slot.Key);
            if (slot.Any(t => t.State == TaskState.Complete))
            {
                continue;
            }

            var newest = slot.Where(t => t.DesiredState <= DesiredState.Completed).OrderByDescending(t => t.Attempt).FirstOrDefault();
            if (newest is null)
            {
                continue;
            }

            var nextAttempt = slot.Max(t => t.Attempt) + 1;
            if (newest.NodeId is { } node && unavailableNodes.TryGetValue(node, out var why) && !newest.IsTerminal)
            {
                plan.Change(newest, DesiredState.Shutdown, $"node is {why}");
                plan.Create.Add(new NewTask(slot.Key, nextAttempt, DesiredState.Completed, null, $"replaces {newest.Id} (node {why})", Restarts: Restarts.History(service, slot)));
                active++;
                continue;
            }

            if (!newest.IsTerminal)
            {
                if (newest.DesiredState == DesiredState.Ready && newest.StartAfter is { } due && due <= now)
                {
                    plan.Change(newest, DesiredState.Completed, "restart delay elapsed");
                }

                active++;
                continue;
            }

            if (newest.DesiredState != DesiredState.Shutdown && Restarts.ShouldRestart(service, policy, newest, slot, now))
            {
                plan.Change(newest, DesiredState.Shutdown, $"task ended ({TaskStateMachine.Display(newest.State)}); restarting");
                plan.Create.Add(Restarts.Replacement(policy, slot.Key, nextAttempt, newest, Restarts.History(service, slot), now, run: DesiredState.Completed));
                active++;
            }
        }

        var completed = current.Where(t => t.State == TaskState.Complete).Select(t => t.Slot).Distinct().Count();
        var room = Math.Min(maxConcurrent - active, total - completed - active);
        for (var slot = 0; slot < total && room > 0; slot++)
        {
            if (!used.Contains(slot))
            {
                plan.Create.Add(new NewTask(slot, 1, DesiredState.Completed, null, "job"));
                room--;
            }
        }

        return plan.Build();
    }
}
