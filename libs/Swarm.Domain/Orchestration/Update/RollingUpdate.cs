using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration.Update;

/// <summary>
/// SwarmKit's updater, decided from the tasks in the log rather than from a running supervisor:
/// <list type="bullet">
/// <item>a slot is dirty when its task was made from an older spec that differs in what the task runs
/// (or <c>--force</c> was used);</item>
/// <item>dirty slots are replaced in batches of <c>parallelism</c> (0 = all); the next batch starts when
/// every task of the update runs and <c>delay</c> has passed since the last one started;</item>
/// <item>stop-first shuts the old task down as the new one is created; start-first keeps the old one
/// until the new one runs;</item>
/// <item>a task of the update that fails before running or within <c>monitor</c> of starting is a failure;
/// past <c>max failure ratio</c> the failure action runs: pause, continue, or rollback to the previous
/// spec (a rollback that fails pauses; it is never itself rolled back);</item>
/// <item>the update completes when nothing is dirty and the last task started has run for <c>monitor</c>.</item>
/// </list>
/// </summary>
public static class RollingUpdate
{
    public static bool IsDirty(Service service, SwarmTask task) =>
        task.SpecVersion < service.SpecVersion
        && (ServiceUpdate.TaskSpecChanged(task.Spec, service.Spec) || task.Spec.ForceUpdate != service.Spec.ForceUpdate);

    internal static void Plan(Service service, IReadOnlyCollection<SwarmTask> tasks, IReadOnlyDictionary<int, SwarmTask> occupied, PlanBuilder plan, DateTimeOffset now) =>
        Plan(service, tasks, occupied.ToDictionary(kv => new SlotKey(kv.Key, null), kv => kv.Value), plan, now);

    /// <summary>Plans the update over occupied slots (replicated) or nodes (global), keyed by <see cref="SlotKey"/>.</summary>
    internal static void Plan(Service service, IReadOnlyCollection<SwarmTask> tasks, IReadOnlyDictionary<SlotKey, SwarmTask> occupied, PlanBuilder plan, DateTimeOffset now)
    {
        var status = service.UpdateStatus;
        var rollingBack = UpdateStates.IsRollback(status?.State);
        var policy = UpdatePolicy.From(rollingBack ? service.Spec.RollbackConfig : service.Spec.UpdateConfig);
        var dirty = occupied
            .Where(kv => !kv.Value.IsTerminal && kv.Value.DesiredState <= DesiredState.Running && IsDirty(service, kv.Value))
            .Where(kv => plan.Create.All(c => new SlotKey(c.Slot, c.NodeId) != kv.Key))
            .OrderBy(kv => kv.Key.Slot)
            .ThenBy(kv => kv.Key.NodeId)
            .ToList();

        var since = status?.StartedAt ?? service.UpdatedAt;
        var updated = tasks.Where(t => t.SpecVersion == service.SpecVersion && t.CreatedAt >= since && t.Attempt > 1).ToList();
        var failures = updated.Where(t => t.State is TaskState.Failed or TaskState.Rejected && (t.StartedAt is null || t.EndedAt - t.StartedAt <= policy.Monitor)).ToList();
        var total = Math.Max(1, occupied.Count);

        if (UpdateStates.InProgress(status?.State) && failures.Count > 0 && failures.Count > policy.MaxFailureRatio * total)
        {
            var action = rollingBack && policy.FailureAction == FailureAction.Rollback ? FailureAction.Pause : policy.FailureAction;
            var why = $"{failures.Count} of {total} tasks failed (task {failures[0].Id}: {failures[0].Error ?? failures[0].Message})";
            switch (action)
            {
                case FailureAction.Pause:
                    plan.ServiceEvent = new ServiceUpdateStatusChanged
                    {
                        ServiceId = service.Id,
                        State = rollingBack ? UpdateStates.RollbackPaused : UpdateStates.Paused,
                        Message = $"{(rollingBack ? "rollback" : "update")} paused: {why}",
                        At = now,
                    };
                    return;
                case FailureAction.Rollback when service.PreviousSpec is { } previous:
                    // replacements decided now would run the failing spec: the next reconciliation,
                    // on the rolled-back spec, makes them instead
                    plan.Create.Clear();
                    plan.ServiceEvent = new ServiceRolledBack
                    {
                        ServiceId = service.Id,
                        Spec = previous,
                        PreviousSpec = service.Spec,
                        SpecVersion = service.SpecVersion + 1,
                        Reason = $"rollback started: update failed: {why}",
                        At = now,
                    };
                    return;
            }
        }

        if (status?.State is UpdateStates.Paused or UpdateStates.RollbackPaused)
        {
            return;
        }

        var inFlight = updated.Where(t => !t.IsTerminal && t.DesiredState <= DesiredState.Running && t.State < TaskState.Running).ToList();
        var lastStart = updated.Where(t => t.StartedAt is not null).Select(t => t.StartedAt!.Value).DefaultIfEmpty().Max();
        var started = updated.Any(t => t.StartedAt is not null);

        if (dirty.Count > 0 && inFlight.Count == 0 && (!started || now >= lastStart + policy.Delay))
        {
            var batch = policy.Parallelism <= 0 ? dirty : dirty.Take(policy.Parallelism);
            foreach (var (key, old) in batch)
            {
                var attempt = tasks.Where(t => key.Holds(t)).Max(t => t.Attempt) + 1;
                plan.Create.Add(new NewTask(key.Slot, attempt, DesiredState.Running, null, $"replaces {old.Id} ({(rollingBack ? "rollback" : "update")})", key.NodeId));
                if (!policy.StartFirst)
                {
                    plan.Change(old, DesiredState.Shutdown, rollingBack ? "service rolled back" : "service updated");
                }
            }

            return;
        }

        if (UpdateStates.InProgress(status?.State) && dirty.Count == 0 && inFlight.Count == 0 && (!started || now >= lastStart + policy.Monitor))
        {
            plan.ServiceEvent = new ServiceUpdateStatusChanged
            {
                ServiceId = service.Id,
                State = rollingBack ? UpdateStates.RollbackCompleted : UpdateStates.Completed,
                Message = rollingBack ? RollbackCompleted(status?.Message) : "update completed",
                At = now,
            };
        }
    }

    /// <summary>"rollback completed", keeping why the rollback started.</summary>
    private static string RollbackCompleted(string? startedMessage)
    {
        const string started = "rollback started: ";
        return startedMessage is { } m && m.StartsWith(started, StringComparison.Ordinal)
            ? $"rollback completed: {m[started.Length..]}"
            : "rollback completed";
    }
}
