using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Tasks;

/// <summary>
/// Pure decisions on one task. Each returns the event to append, or null when the task is already
/// there (which makes every caller idempotent).
/// </summary>
public static class TaskDecisions
{
    public static TaskAllocated? Allocate(SwarmTask task, Guid networkId, string address, DateTimeOffset now) =>
        task.State == TaskState.New && TaskStateMachine.IsRunnable(task.DesiredState)
            ? new TaskAllocated { TaskId = task.Id, ServiceId = task.ServiceId, NetworkId = networkId, Address = address, AllocatedAt = now }
            : null;

    /// <summary>
    /// The task's attachments (none for a service on no network) and resolved ports: it moves to pending.
    /// <see cref="TaskAllocated.NetworkId"/>/<see cref="TaskAllocated.Address"/> repeat the first attachment.
    /// </summary>
    public static TaskAllocated? Allocate(SwarmTask task, IReadOnlyList<NetworkAttachment> networks, IReadOnlyList<PortSpec>? ports, DateTimeOffset now) =>
        task.State == TaskState.New && TaskStateMachine.IsRunnable(task.DesiredState)
            ? new TaskAllocated
            {
                TaskId = task.Id,
                ServiceId = task.ServiceId,
                NetworkId = networks.Count > 0 ? networks[0].NetworkId : Guid.Empty,
                Address = networks.Count > 0 ? networks[0].Address : "",
                AllocatedAt = now,
                Networks = networks,
                Ports = ports,
            }
            : null;

    public static TaskAssigned? Assign(SwarmTask task, Guid nodeId, DateTimeOffset now) =>
        task.State == TaskState.Pending && TaskStateMachine.IsRunnable(task.DesiredState)
            ? new TaskAssigned { TaskId = task.Id, ServiceId = task.ServiceId, NodeId = nodeId, AssignedAt = now }
            : null;

    public static TaskUnschedulable? MarkUnschedulable(SwarmTask task, string reason, DateTimeOffset now) =>
        task.State == TaskState.Pending && task.Message != reason
            ? new TaskUnschedulable { TaskId = task.Id, ServiceId = task.ServiceId, Reason = reason, At = now }
            : null;

    public static TaskDesiredStateChanged? ChangeDesired(SwarmTask task, DesiredState desired, string reason, DateTimeOffset now) =>
        TaskStateMachine.CanChangeDesired(task.DesiredState, desired)
            ? new TaskDesiredStateChanged { TaskId = task.Id, ServiceId = task.ServiceId, NodeId = task.NodeId, DesiredState = desired, Reason = reason, At = now }
            : null;

    /// <summary>A manager shuts down a task that never reached a node.</summary>
    public static TaskStatusChanged? ShutdownUnassigned(SwarmTask task, string message, DateTimeOffset now) =>
        task.State < TaskState.Assigned && task.DesiredState >= DesiredState.Shutdown
            ? new TaskStatusChanged { TaskId = task.Id, ServiceId = task.ServiceId, State = TaskState.Shutdown, Message = message, At = now }
            : null;

    /// <summary>A manager gives up on a task that was told to stop but whose node cannot be reached.</summary>
    public static TaskStatusChanged? Orphan(SwarmTask task, string message, DateTimeOffset now) =>
        TaskStateMachine.CanTransition(task.State, TaskState.Orphaned) && task.DesiredState >= DesiredState.Shutdown
            ? new TaskStatusChanged { TaskId = task.Id, ServiceId = task.ServiceId, NodeId = task.NodeId, State = TaskState.Orphaned, Message = message, At = now }
            : null;

    /// <summary>
    /// A status an agent reported. Throws <see cref="TaskReportRefusedException"/> when the node does
    /// not own the task or the state is not one an agent may report; returns null for a report that
    /// does not move the task forward (a duplicate or a late, older one).
    /// </summary>
    public static TaskStatusChanged? Report(SwarmTask task, Guid reportingNode, TaskState state, string message, string? error, int? exitCode, DateTimeOffset now)
    {
        if (task.NodeId != reportingNode)
        {
            throw new TaskReportRefusedException($"node {reportingNode} may not report on task {task.Id}: it is assigned to {task.NodeId?.ToString() ?? "no node"}");
        }

        if (!TaskStateMachine.IsAgentReportable(state))
        {
            throw new TaskReportRefusedException($"state {state} cannot be reported by an agent");
        }

        return TaskStateMachine.CanTransition(task.State, state)
            ? new TaskStatusChanged { TaskId = task.Id, ServiceId = task.ServiceId, NodeId = reportingNode, State = state, Message = message, Error = error, ExitCode = exitCode, At = now }
            : null;
    }
}

/// <summary>Status changes decided one after the other for one task, written as one event.</summary>
public static class TaskStatusChanges
{
    /// <summary>
    /// The last change, carrying the earlier ones as <see cref="TaskStatusChanged.Passed"/> (they must be
    /// consecutive changes of one task, oldest first); null when there are none.
    /// </summary>
    public static TaskStatusChanged? Combine(IReadOnlyList<TaskStatusChanged> changes)
    {
        if (changes.Count <= 1)
        {
            return changes.Count == 0 ? null : changes[0];
        }

        var last = changes[^1];
        var passed = new List<TaskStatusStep>(changes.Count - 1 + (last.Passed?.Count ?? 0));
        foreach (var change in changes.Take(changes.Count - 1))
        {
            passed.AddRange(change.Passed ?? []);
            passed.Add(new TaskStatusStep(change.State, change.Message, change.At));
        }

        passed.AddRange(last.Passed ?? []);
        return last with
        {
            Error = last.Error ?? changes.LastOrDefault(c => c.Error is not null)?.Error,
            ExitCode = last.ExitCode ?? changes.LastOrDefault(c => c.ExitCode is not null)?.ExitCode,
            Passed = passed,
        };
    }
}

public sealed class TaskReportRefusedException(string message) : Exception(message);
