using Swarm.Contracts.Model;

namespace Swarm.Domain.Tasks;

/// <summary>
/// The one place that says how a task's observed state may move: forward only, never out of a
/// terminal state, and each actor only into the states it owns.
/// </summary>
public static class TaskStateMachine
{
    public static bool IsTerminal(TaskState state) => state >= TaskState.Complete;

    /// <summary>Every state a task has not ended in, for queries on the read model.</summary>
    public static readonly TaskState[] NonTerminal = Enum.GetValues<TaskState>().Where(s => !IsTerminal(s)).ToArray();

    /// <summary>States an agent may report for a task it runs.</summary>
    public static bool IsAgentReportable(TaskState state) =>
        state is >= TaskState.Accepted and <= TaskState.Rejected;

    /// <summary>Whether the observed state may move from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool CanTransition(TaskState from, TaskState to)
    {
        if (IsTerminal(from) || to <= from)
        {
            return false;
        }

        return to switch
        {
            TaskState.New => false,
            TaskState.Pending => from == TaskState.New,
            TaskState.Assigned => from == TaskState.Pending,
            // a task that never reached a node can be shut down by a manager directly
            TaskState.Shutdown => true,
            TaskState.Orphaned => from >= TaskState.Assigned,
            _ => from >= TaskState.Assigned,
        };
    }

    /// <summary>
    /// Whether a task with this desired state should run: ready (prepared, waiting), running, or
    /// completed (a job task, run to completion).
    /// </summary>
    public static bool IsRunnable(DesiredState desired) => desired <= DesiredState.Completed;

    /// <summary>Every runnable desired state, for queries on the read model.</summary>
    public static readonly DesiredState[] Runnable = Enum.GetValues<DesiredState>().Where(IsRunnable).ToArray();

    /// <summary>Whether the desired state may move forward to <paramref name="to"/>.</summary>
    public static bool CanChangeDesired(DesiredState from, DesiredState to) => to > from;

    public static string Display(TaskState state) => state.ToString().ToUpperInvariant();
}
