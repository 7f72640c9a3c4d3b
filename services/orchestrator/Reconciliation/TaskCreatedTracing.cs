using System.Diagnostics;
using Swarm.Contracts.Events;
using Swarm.ServiceDefaults.Tracing;

namespace Swarm.Orchestrator.Reconciliation;

internal static class TaskCreatedTracing
{
    /// <summary>
    /// The task with its <c>task created</c> span, under the trace of what made the orchestrator create
    /// it: the message that asked for the reconciliation, or, when none did (the periodic safety net,
    /// start-up), the request that wrote the service's current spec.
    /// </summary>
    public static TaskCreated Traced(this TaskCreated created, string? specTraceParent)
    {
        var tags = TaskTracing.Tags(created.TaskId, created.ServiceId, created.ServiceName, created.Slot, created.NodeId);
        tags.Add(new("swarm.task.attempt", created.Attempt));
        tags.Add(new("swarm.task.reason", created.Reason));
        return created with { TraceParent = TaskTracing.Record(ServiceReconciliation.Source, "task created", ParentOf(Activity.Current, specTraceParent), created.CreatedAt, created.CreatedAt, tags) };
    }

    /// <summary>The reconciliation's span when a message started it; otherwise the spec's trace, if known.</summary>
    private static string? ParentOf(Activity? reconciliation, string? specTraceParent) =>
        reconciliation is { ParentId: not null } || specTraceParent is null ? reconciliation?.Id : specTraceParent;
}
