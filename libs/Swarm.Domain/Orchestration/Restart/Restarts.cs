using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration.Restart;

/// <summary>
/// The restart supervisor's decisions (SwarmKit <c>manager/orchestrator/restart</c>). SwarmKit keeps each
/// slot's restarts in the supervisor's memory; here they travel with the tasks: every task created for a
/// slot carries the slot's <see cref="RestartHistory"/> under the service's spec version, one more when
/// it is itself a restart. The reaper may trim a slot's ended tasks, and an update or a drain may replace
/// them, without changing the count: only the restart supervisor adds to it, and a new spec version
/// starts it again from zero.
/// </summary>
public static class Restarts
{
    /// <summary>
    /// The restarts of a slot under the service's current spec version: the largest history its tasks
    /// made from that version carry (each carries on its predecessor's), null when there is none.
    /// </summary>
    public static RestartHistory? History(Service service, IEnumerable<SwarmTask> slotTasks) =>
        slotTasks
            .Where(t => t.SpecVersion == service.SpecVersion && t.Restarts is not null)
            .Select(t => t.Restarts!)
            .MaxBy(h => h.Count);

    /// <summary>
    /// The restarts that count against the policy's max attempts: those within the window when the policy
    /// has one, else all of them.
    /// </summary>
    public static int Counted(RestartPolicy policy, RestartHistory? history, DateTimeOffset now)
    {
        if (history is null)
        {
            return 0;
        }

        return policy.Window > TimeSpan.Zero
            ? (history.Recent ?? []).Count(at => at > now - policy.Window)
            : history.Count;
    }

    /// <summary>
    /// Whether an ended task is replaced: its condition, and max attempts (within the window) counted
    /// from the slot's <see cref="History"/>.
    /// </summary>
    public static bool ShouldRestart(Service service, RestartPolicy policy, SwarmTask task, IEnumerable<SwarmTask> slotTasks, DateTimeOffset now)
    {
        if (!policy.ConditionAllows(task.State))
        {
            return false;
        }

        return policy.MaxAttempts <= 0 || Counted(policy, History(service, slotTasks), now) < policy.MaxAttempts;
    }

    /// <summary>The history a restart made at <paramref name="now"/> carries: one more, and its time when a window needs it.</summary>
    public static RestartHistory Recorded(RestartPolicy policy, RestartHistory? history, DateTimeOffset now)
    {
        var recent = history?.Recent ?? [];
        if (policy.Window > TimeSpan.Zero && policy.MaxAttempts > 0)
        {
            // only the latest max-attempts restarts can decide whether the window is full
            recent = recent.Append(now).TakeLast(policy.MaxAttempts).ToList();
        }

        return new RestartHistory { Count = (history?.Count ?? 0) + 1, Recent = recent.Count > 0 ? recent : null };
    }

    /// <summary>
    /// The replacement, waiting out the restart delay in desired state <c>ready</c>, carrying the slot's
    /// history (<paramref name="history"/>, see <see cref="History"/>) with this restart recorded.
    /// </summary>
    public static NewTask Replacement(RestartPolicy policy, int slot, int attempt, SwarmTask ended, RestartHistory? history, DateTimeOffset now, Guid? nodeId = null, DesiredState run = DesiredState.Running)
    {
        var delayed = policy.Delay > TimeSpan.Zero;
        return new NewTask(
            slot,
            attempt,
            delayed ? DesiredState.Ready : run,
            delayed ? now + policy.Delay : null,
            $"restarts {ended.Id} ({TaskStateMachine.Display(ended.State)})",
            nodeId,
            Recorded(policy, history, now));
    }
}
