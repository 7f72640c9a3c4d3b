using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration.TaskReaper;

/// <summary>What the task reaper decided for one service.</summary>
public sealed record ReapPlan(IReadOnlyList<Guid> Orphan, IReadOnlyList<Guid> Reap)
{
    public bool IsEmpty => Orphan.Count == 0 && Reap.Count == 0;
}

/// <summary>
/// Keeps the read models small and free of stuck tasks (SwarmKit <c>manager/orchestrator/taskreaper</c>):
/// <list type="bullet">
/// <item>a task told to stop whose node is down (or removed, see the caller) cannot be stopped by anyone: it is marked orphaned;</item>
/// <item>ended tasks told to go (scale-down, a removed service, an old job iteration) are reaped;</item>
/// <item>of the other ended tasks, the newest <c>limit</c> per slot (per node for global services) are
/// kept and older ones reaped. A job's completed tasks of the current iteration are always kept, and so
/// is a slot's newest task told to stay completed (it holds the slot whatever the limit).</item>
/// </list>
/// Reaped tasks leave the read models only: their streams stay in the log.
/// </summary>
public static class Reaper
{
    public static ReapPlan Plan(Service service, IReadOnlyCollection<SwarmTask> tasks, IReadOnlySet<Guid> downNodes, int limit)
    {
        var orphan = tasks
            .Where(t => !t.IsTerminal && t.State >= TaskState.Assigned && t.DesiredState >= DesiredState.Shutdown && t.NodeId is { } n && downNodes.Contains(n))
            .Select(t => t.Id)
            .ToList();

        var mode = ServiceModes.Of(service.Spec);
        var reap = new List<Guid>();
        foreach (var task in tasks.Where(t => t.IsTerminal && (t.DesiredState == DesiredState.Remove || service.Removed)))
        {
            reap.Add(task.Id);
        }

        var global = ServiceModes.IsGlobal(mode);
        var history = tasks
            .Where(t => t.IsTerminal && !reap.Contains(t.Id) && t.DesiredState >= DesiredState.Completed)
            .Where(t => !(ServiceModes.IsJob(mode) && t.State == TaskState.Complete && t.SpecVersion == service.SpecVersion))
            .GroupBy(t => SlotKey.Of(t, global));
        var holders = tasks
            .Where(t => t.DesiredState <= DesiredState.Completed)
            .GroupBy(t => SlotKey.Of(t, global))
            .Select(g => g.OrderByDescending(t => t.Attempt).First().Id)
            .ToHashSet();
        foreach (var slot in history)
        {
            // a slot's newest task told to stay completed holds the slot (its restarts ran out): it is the
            // slot's state, not its history, and carries the slot's restart count
            reap.AddRange(slot.OrderByDescending(t => t.Attempt).ThenByDescending(t => t.CreatedAt).Where(t => !(t.DesiredState == DesiredState.Completed && holders.Contains(t.Id))).Skip(Math.Max(0, limit)).Select(t => t.Id));
        }

        return new ReapPlan(orphan, reap);
    }
}
