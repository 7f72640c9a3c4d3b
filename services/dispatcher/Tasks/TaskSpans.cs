using System.Diagnostics;
using Swarm.Domain.Tasks;
using Swarm.ServiceDefaults.Tracing;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Dispatcher.Tasks;

/// <summary>The dispatcher's steps in a task's trace (see <see cref="TaskTracing"/>).</summary>
public static class TaskSpans
{
    public static readonly ActivitySource Source = new("Swarm.Dispatcher");

    /// <summary>
    /// The assignment to send to the task's node; a task still <c>assigned</c> is recorded as
    /// <c>task dispatched</c>, from its assignment to now.
    /// </summary>
    public static Api.Assignment Dispatch(SwarmTask task, TimeProvider time, IReadOnlyDictionary<SecretName, Api.SecretValue>? secrets = null)
    {
        if (task.State == ModelTaskState.Assigned)
        {
            TaskTracing.Record(Source, "task dispatched", task.TraceParent, task.UpdatedAt, time.GetUtcNow(), TaskTracing.Tags(task.Id, task.ServiceId, task.ServiceName, task.Slot, task.NodeId), ActivityKind.Producer);
        }

        return Assignments.ToAssignment(task, secrets);
    }

    /// <summary>
    /// <c>task {state} recorded</c>: from the moment the agent saw the state to the commit of the
    /// batch that wrote it into the log.
    /// </summary>
    public static void Recorded(SwarmTask task, ModelTaskState state, DateTimeOffset reportedAt, DateTimeOffset committed, int batchSize)
    {
        var tags = TaskTracing.Tags(task.Id, task.ServiceId, task.ServiceName, task.Slot, task.NodeId);
        tags.Add(new(TaskTracing.TaskState, state.ToString().ToLowerInvariant()));
        tags.Add(new(TaskTracing.BatchSize, batchSize));
        TaskTracing.Record(Source, $"task {state.ToString().ToLowerInvariant()} recorded", task.TraceParent, reportedAt, committed, tags);
    }
}
