using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Orchestration.Restart;
using Swarm.Domain.Orchestration.Update;
using Swarm.Domain.Scheduling;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration.Global;

/// <summary>
/// Global services and global jobs (SwarmKit <c>manager/orchestrator/global</c>, <c>jobs/global</c>):
/// one task per node that is ready and satisfies the service's constraints, bound to that node at
/// creation. Tasks on nodes that are removed, down, drained or no longer match are shut down; paused nodes keep
/// their task but get no new one. A global job's node is done once a task of the current iteration
/// completed there. Ended tasks restart on their node per the restart policy; spec changes roll out
/// with <see cref="RollingUpdate"/> (services) or start a new iteration (jobs).
/// </summary>
public static class GlobalReconciler
{
    public static ReconcilePlan Reconcile(Service service, IReadOnlyCollection<SwarmTask> tasks, IReadOnlyCollection<Node> nodes, DateTimeOffset now)
    {
        var plan = new PlanBuilder(tasks).ShutDownStoppedUnassigned();
        if (plan.RemoveAllIfRemoved(service))
        {
            return plan.Build();
        }

        var mode = ServiceModes.Of(service.Spec);
        var isJob = ServiceModes.IsJob(mode);
        var run = ServiceModes.RunState(mode);
        var policy = RestartPolicy.From(service.Spec.RestartPolicy ?? (isJob ? new RestartPolicySpec { Condition = "on-failure" } : null));
        var current = tasks;
        if (isJob)
        {
            foreach (var old in tasks.Where(t => t.SpecVersion < service.SpecVersion))
            {
                plan.Change(old, DesiredState.Remove, "a new job iteration started");
            }

            current = tasks.Where(t => t.SpecVersion == service.SpecVersion).ToList();
        }

        var occupied = new Dictionary<SlotKey, SwarmTask>();
        var known = nodes.Select(n => n.Id).ToHashSet();
        foreach (var node in nodes)
        {
            var onNode = current.Where(t => t.NodeId == node.Id).ToList();
            var live = onNode.Where(t => t.DesiredState <= DesiredState.Completed).OrderByDescending(t => t.Attempt).ToList();
            var why = Unfit(service.Spec, node);
            if (why is not null)
            {
                foreach (var stale in live.Where(t => !t.IsTerminal))
                {
                    plan.Change(stale, DesiredState.Shutdown, why);
                }

                continue;
            }

            var nextAttempt = onNode.Count == 0 ? 1 : onNode.Max(t => t.Attempt) + 1;
            if (live.Count == 0)
            {
                var done = isJob && onNode.Any(t => t.State == TaskState.Complete);
                if (!done && node.Availability == NodeAvailability.Active)
                {
                    plan.Create.Add(new NewTask(0, nextAttempt, run, null, $"{mode} task for node {node.Hostname}", node.Id));
                }

                continue;
            }

            var task = live[0];
            occupied[new SlotKey(0, node.Id)] = task;
            foreach (var older in live.Skip(1).Where(o => task.State == TaskState.Running || o.IsTerminal))
            {
                plan.Change(older, DesiredState.Shutdown, "replaced on its node");
            }

            if (task.IsTerminal)
            {
                if (isJob && task.State == TaskState.Complete || task.DesiredState == DesiredState.Completed && !isJob)
                {
                    continue;
                }

                if (Restarts.ShouldRestart(service, policy, task, onNode, now))
                {
                    plan.Change(task, DesiredState.Shutdown, $"task ended ({TaskStateMachine.Display(task.State)}); restarting");
                    plan.Create.Add(Restarts.Replacement(policy, 0, nextAttempt, task, Restarts.History(service, onNode), now, node.Id, run));
                }
                else if (!isJob)
                {
                    plan.Change(task, DesiredState.Completed, "restart policy: not restarted");
                }

                continue;
            }

            if (task.DesiredState == DesiredState.Ready && task.StartAfter is { } due && due <= now)
            {
                plan.Change(task, run, "restart delay elapsed");
            }
        }

        // tasks on nodes that left the cluster's records have nowhere to go
        foreach (var task in current.Where(t => t.NodeId is { } n && !known.Contains(n) && !t.IsTerminal))
        {
            plan.Change(task, DesiredState.Shutdown, "node is gone");
        }

        if (!isJob)
        {
            RollingUpdate.Plan(service, tasks, occupied, plan, now);
        }

        return plan.Build();
    }

    /// <summary>Why a node cannot hold the service's task (null when it can).</summary>
    private static string? Unfit(ServiceSpec spec, Node node)
    {
        if (node.Removed)
        {
            return "node is removed";
        }

        if (node.Status != NodeStatus.Ready)
        {
            return $"node is {node.Status.ToString().ToLowerInvariant()}";
        }

        if (node.Availability == NodeAvailability.Drain)
        {
            return "node is drained";
        }

        return Constraint.NodeMatches(spec, node, out var reason) ? null : reason ?? "constraints not satisfied";
    }
}
