using JasperFx.Events;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Tasks;
using Swarm.EventStore;

namespace Swarm.ControlApi.Tasks;

/// <summary>
/// <c>GET /api/tasks/{id}/trace</c> (<see cref="TaskTrace"/>): a task's lifecycle read from its stream, one
/// step per event, in log order.
/// </summary>
public static class TaskTraces
{
    public static TaskTrace Build(SwarmTask task, IReadOnlyList<IEvent> events, Func<Guid, string> nodeName)
    {
        var ordered = events.OrderBy(e => e.Version).ToList();
        var created = ordered.Select(e => e.Data).OfType<TaskCreated>().FirstOrDefault()?.CreatedAt ?? task.CreatedAt;
        // states an agent reported together are one event: each is its own step, at its own time
        var raw = new List<(IEvent Event, string Step, DateTimeOffset At, string Detail)>(ordered.Count);
        foreach (var e in ordered)
        {
            if (e.Data is TaskStatusChanged { Passed.Count: > 0 } status)
            {
                raw.AddRange(status.Passed.Select(p => (e, p.State.ToString().ToLowerInvariant(), p.At, $"state {TaskStateMachine.Display(p.State)}: {p.Message}")));
            }

            raw.Add((e, StepOf(e.Data), TimeOf(e), TaskHistory.Summarize(e.Data, nodeName)));
        }

        var steps = new List<TraceStep>(raw.Count);
        for (var i = 0; i < raw.Count; i++)
        {
            var (e, step, at, detail) = raw[i];
            double? duration = i + 1 < raw.Count ? Seconds(raw[i + 1].At - at) : null;
            var node = NodeOf(e.Data) is { } id ? nodeName(id) : null;
            var reportedBy = e.Data is TaskStatusChanged { NodeId: not null } s && IsAgentState(s.State) ? node : null;
            steps.Add(new TraceStep
            {
                Step = step,
                Type = e.EventTypeName,
                Version = e.Version,
                Sequence = e.Sequence,
                At = at,
                LoggedAt = e.Timestamp,
                SinceCreated = Seconds(at - created),
                Duration = duration,
                Component = ComponentOf(e),
                Node = node,
                ReportedBy = reportedBy,
                Detail = detail,
            });
        }

        var total = steps.Count == 0 ? 0 : Math.Max(0, steps.Max(s => s.SinceCreated));
        return new TaskTrace
        {
            Id = task.Id,
            Name = $"{task.ServiceName}.{task.Slot}",
            Service = task.ServiceName,
            Node = task.NodeId is { } n ? nodeName(n) : null,
            State = task.State,
            CreatedAt = created,
            Total = total,
            Steps = steps,
        };
    }

    /// <summary>The writer stamped on the event, else who writes that type of event.</summary>
    public static string ComponentOf(IEvent e)
    {
        if (e.Headers is { } headers && headers.TryGetValue(TraceContext.ComponentHeader, out var stamped) && stamped?.ToString() is { Length: > 0 } component)
        {
            return component;
        }

        return e.Data switch
        {
            TaskCreated or TaskDesiredStateChanged or TaskReaped => "orchestrator",
            TaskAllocated => "allocator",
            TaskAssigned or TaskUnschedulable => "scheduler",
            TaskStatusChanged { State: TaskState.Orphaned } => "dispatcher",
            TaskStatusChanged { NodeId: not null } s when IsAgentState(s.State) => "dispatcher",
            TaskStatusChanged => "orchestrator",
            _ => "unknown",
        };
    }

    public static string StepOf(object data) => data switch
    {
        TaskCreated => "created",
        TaskAllocated => "allocated",
        TaskUnschedulable => "unschedulable",
        TaskAssigned => "assigned",
        TaskStatusChanged s => s.State.ToString().ToLowerInvariant(),
        TaskDesiredStateChanged d => $"desired_{d.DesiredState.ToString().ToLowerInvariant()}",
        TaskReaped => "removed",
        _ => data.GetType().Name,
    };

    /// <summary>States only an agent reports (the orchestrator may write shutdown for a task no node took).</summary>
    private static bool IsAgentState(TaskState state) => state is >= TaskState.Accepted and not TaskState.Orphaned;

    private static Guid? NodeOf(object data) => data switch
    {
        TaskAssigned a => a.NodeId,
        TaskStatusChanged s => s.NodeId,
        TaskCreated c => c.NodeId,
        _ => null,
    };

    private static DateTimeOffset TimeOf(IEvent e) => e.Data switch
    {
        TaskCreated x => x.CreatedAt,
        TaskAllocated x => x.AllocatedAt,
        TaskUnschedulable x => x.At,
        TaskAssigned x => x.AssignedAt,
        TaskStatusChanged x => x.At,
        TaskDesiredStateChanged x => x.At,
        TaskReaped x => x.At,
        _ => e.Timestamp,
    } is { } at && at != default ? at : e.Timestamp;

    private static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 3);
}
