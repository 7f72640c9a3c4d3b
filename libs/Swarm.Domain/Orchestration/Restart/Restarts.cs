using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration.Restart;

/// <summary>The restart supervisor's decisions (SwarmKit <c>manager/orchestrator/restart</c>).</summary>
public static class Restarts
{
    /// <summary>Whether an ended task is replaced: its condition, and max attempts within the window.</summary>
    public static bool ShouldRestart(RestartPolicy policy, SwarmTask task, IEnumerable<SwarmTask> slotTasks, DateTimeOffset now)
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

    /// <summary>The replacement, waiting out the restart delay in desired state <c>ready</c>.</summary>
    public static NewTask Replacement(RestartPolicy policy, int slot, int attempt, SwarmTask ended, DateTimeOffset now, Guid? nodeId = null, DesiredState run = DesiredState.Running)
    {
        var delayed = policy.Delay > TimeSpan.Zero;
        return new NewTask(
            slot,
            attempt,
            delayed ? DesiredState.Ready : run,
            delayed ? now + policy.Delay : null,
            $"restarts {ended.Id} ({TaskStateMachine.Display(ended.State)})",
            nodeId);
    }
}
