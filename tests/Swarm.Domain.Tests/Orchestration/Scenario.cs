using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Orchestration;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Orchestration;

/// <summary>Builds services and tasks, and applies plans the way the orchestrator does.</summary>
internal static class Scenario
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public static Service NewService(int replicas, RestartPolicySpec? restart = null) => Service.Create(new ServiceCreated
    {
        ServiceId = Guid.NewGuid(),
        Spec = new ServiceSpec { Name = "web", Replicas = replicas, Command = ["sleep", "3600"], RestartPolicy = restart },
        CreatedAt = T0,
    });

    public static Service Updated(Service service, ServiceSpec spec, DateTimeOffset? at = null) => service.Apply(new ServiceUpdated
    {
        ServiceId = service.Id,
        Spec = spec,
        PreviousSpec = service.Spec,
        SpecVersion = service.SpecVersion + 1,
        UpdatedAt = at ?? T0,
    });

    /// <summary>Applies a plan the way the orchestrator does, returning the tasks afterwards.</summary>
    public static List<SwarmTask> Apply(Service service, List<SwarmTask> tasks, ReconcilePlan plan, DateTimeOffset now)
    {
        var result = tasks.ToDictionary(t => t.Id);
        foreach (var c in plan.Create)
        {
            var task = SwarmTask.Create(TaskCreation.Created(service, c, now));
            Assert.True(result.TryAdd(task.Id, task), "a plan created a task id twice");
        }

        foreach (var change in plan.Changes)
        {
            var t = result[change.TaskId];
            if (TaskDecisions.ChangeDesired(t, change.DesiredState, change.Reason, now) is { } e)
            {
                result[t.Id] = t.Apply(e);
            }
        }

        foreach (var id in plan.ShutdownUnassigned)
        {
            if (TaskDecisions.ShutdownUnassigned(result[id], "", now) is { } e)
            {
                result[id] = result[id].Apply(e);
            }
        }

        return [.. result.Values];
    }

    public static List<SwarmTask> Run(List<SwarmTask> tasks, Guid node, params int[] slots) =>
        tasks.Select(t => slots.Contains(t.Slot) && t.DesiredState == DesiredState.Running && !t.IsTerminal
            ? t with { State = TaskState.Running, NodeId = node }
            : t).ToList();

    public static List<SwarmTask> Live(IEnumerable<SwarmTask> tasks) =>
        tasks.Where(t => t.DesiredState <= DesiredState.Completed).OrderBy(t => t.Slot).ToList();

    /// <summary>Applies the plan's change to the service itself, if any.</summary>
    public static Service ApplyService(Service service, ReconcilePlan plan) => plan.ServiceEvent switch
    {
        ServiceUpdateStatusChanged e => service.Apply(e),
        ServiceRolledBack e => service.Apply(e),
        null => service,
        var other => throw new InvalidOperationException($"unexpected {other}"),
    };

    /// <summary>An agent on <paramref name="node"/>: starts what should run, stops what should stop.</summary>
    public static List<SwarmTask> Agent(List<SwarmTask> tasks, Guid node, DateTimeOffset now) => tasks.Select(t =>
        t.IsTerminal ? t
        : t.DesiredState == DesiredState.Running && t.State != TaskState.Running ? t with { State = TaskState.Running, NodeId = t.NodeId ?? node, StartedAt = now }
        : t.DesiredState >= DesiredState.Shutdown ? t with { State = TaskState.Shutdown, EndedAt = now }
        : t).ToList();

    /// <summary>Tasks matching the predicate fail now (as a broken command would).</summary>
    public static List<SwarmTask> Fail(List<SwarmTask> tasks, Func<SwarmTask, bool> which, DateTimeOffset now) => tasks.Select(t =>
        !t.IsTerminal && which(t) ? t with { State = TaskState.Failed, Error = "task: non-zero exit (1)", EndedAt = now } : t).ToList();
}
