using System.Diagnostics;

namespace Swarm.ServiceDefaults.Tracing;

/// <summary>
/// One trace per task: the orchestrator records a <c>task created</c> span under the trace of the
/// command that created (or scaled) the service and stores that span's W3C <c>traceparent</c> with
/// the task (<c>TaskCreated.TraceParent</c>). Every later step — allocated, scheduled,
/// dispatched, each state the agent reaches, each state the dispatcher records — is a child span of
/// it, in whichever process takes the step, so the whole lifecycle reads as one trace.
/// </summary>
/// <remarks>
/// Steps are recorded when they have happened, with their real start and end, so components that
/// decide many tasks in one transaction still give each task its own span. Recording never changes
/// <see cref="Activity.Current"/> of the caller.
/// </remarks>
public static class TaskTracing
{
    public const string ServiceName = "swarm.service.name";
    public const string ServiceId = "swarm.service.id";
    public const string TaskId = "swarm.task.id";
    public const string TaskSlot = "swarm.task.slot";
    public const string TaskState = "swarm.task.state";
    public const string NodeId = "swarm.node.id";

    /// <summary>How many tasks the transaction that took the step decided together.</summary>
    public const string BatchSize = "swarm.batch.size";

    /// <summary>
    /// Records one finished step of a task as a span, child of the task's <paramref name="traceParent"/>
    /// (a new trace when the task has none). Returns the span's own traceparent, or null when nobody listens.
    /// </summary>
    public static string? Record(
        ActivitySource source,
        string name,
        string? traceParent,
        DateTimeOffset start,
        DateTimeOffset end,
        IEnumerable<KeyValuePair<string, object?>> tags,
        ActivityKind kind = ActivityKind.Internal)
    {
        if (!source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent);
        var ambient = Activity.Current;
        try
        {
            using var activity = source.StartActivity(name, kind, parent, tags, links: null, startTime: start);
            if (activity is null)
            {
                return null;
            }

            activity.SetEndTime(end < start ? start.UtcDateTime : end.UtcDateTime);
            return activity.Id;
        }
        finally
        {
            Activity.Current = ambient;
        }
    }

    /// <summary>The attributes every task span carries.</summary>
    public static List<KeyValuePair<string, object?>> Tags(Guid taskId, Guid serviceId, string serviceName, int slot, Guid? nodeId = null)
    {
        var tags = new List<KeyValuePair<string, object?>>(8)
        {
            new(TaskId, taskId.ToString()),
            new(ServiceId, serviceId.ToString()),
            new(ServiceName, serviceName),
            new(TaskSlot, slot),
        };
        if (nodeId is { } node)
        {
            tags.Add(new(NodeId, node.ToString()));
        }

        return tags;
    }
}
