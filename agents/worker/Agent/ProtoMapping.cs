using Google.Protobuf.WellKnownTypes;
using Swarm.Dispatcher.Api;
using Swarm.Worker.Exec;
using ModelDesiredState = Swarm.Contracts.Model.DesiredState;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Worker.Agent;

/// <summary>Between the wire messages and the agent's own model.</summary>
internal static class ProtoMapping
{
    public static TaskAssignment ToModel(Assignment a) => new()
    {
        TaskId = a.TaskId,
        ServiceId = a.ServiceId,
        ServiceName = a.ServiceName,
        Slot = a.Slot,
        DesiredState = ToModel(a.DesiredState),
        State = ToModel(a.State),
        TraceParent = string.IsNullOrEmpty(a.TraceParent) ? null : a.TraceParent,
        NodeId = a.NodeId,
        Spec = a.Spec is { } spec
            ? new TaskRunSpec
            {
                Command = spec.Command.ToList(),
                Env = new Dictionary<string, string>(spec.Env),
                WorkingDir = string.IsNullOrEmpty(spec.WorkingDir) ? null : spec.WorkingDir,
                StopGracePeriodSeconds = spec.HasStopGracePeriodSeconds ? spec.StopGracePeriodSeconds : null,
                Image = string.IsNullOrEmpty(spec.Image) ? null : spec.Image,
                User = string.IsNullOrEmpty(spec.User) ? null : spec.User,
                Labels = new Dictionary<string, string>(spec.Labels),
                LimitNanoCpus = spec.LimitNanoCpus,
                LimitMemoryBytes = spec.LimitMemoryBytes,
                Healthcheck = spec.Healthcheck is { Test.Count: > 0 } check
                    ? new TaskHealthcheck
                    {
                        Test = check.Test.ToList(),
                        Interval = check.HasIntervalSeconds ? TimeSpan.FromSeconds(check.IntervalSeconds) : null,
                        Timeout = check.HasTimeoutSeconds ? TimeSpan.FromSeconds(check.TimeoutSeconds) : null,
                        Retries = check.HasRetries ? check.Retries : null,
                        StartPeriod = check.HasStartPeriodSeconds ? TimeSpan.FromSeconds(check.StartPeriodSeconds) : null,
                    }
                    : null,
                PublishedPorts = spec.Ports.Select(p => p.TargetPort).ToList(),
            }
            : new TaskRunSpec(),
    };

    public static TaskStatusUpdate ToProto(StatusUpdate u)
    {
        var update = new TaskStatusUpdate
        {
            TaskId = u.TaskId,
            State = ToProto(u.State),
            Message = u.Message,
            Error = u.Error ?? "",
            Timestamp = Timestamp.FromDateTimeOffset(u.At),
        };
        if (u.ExitCode is { } code)
        {
            update.ExitCode = code;
        }

        return update;
    }

    /// <summary>A task state from the wire in the agent's model; both enums name the same states.</summary>
    public static ModelTaskState ToModel(TaskState state) => state switch
    {
        TaskState.New => ModelTaskState.New,
        TaskState.Pending => ModelTaskState.Pending,
        TaskState.Assigned => ModelTaskState.Assigned,
        TaskState.Accepted => ModelTaskState.Accepted,
        TaskState.Preparing => ModelTaskState.Preparing,
        TaskState.Ready => ModelTaskState.Ready,
        TaskState.Starting => ModelTaskState.Starting,
        TaskState.Running => ModelTaskState.Running,
        TaskState.Complete => ModelTaskState.Complete,
        TaskState.Shutdown => ModelTaskState.Shutdown,
        TaskState.Failed => ModelTaskState.Failed,
        TaskState.Rejected => ModelTaskState.Rejected,
        TaskState.Orphaned => ModelTaskState.Orphaned,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a task state of the dispatcher protocol"),
    };

    /// <summary>A task state the agent observed, as sent to the dispatcher.</summary>
    public static TaskState ToProto(ModelTaskState state) => state switch
    {
        ModelTaskState.New => TaskState.New,
        ModelTaskState.Pending => TaskState.Pending,
        ModelTaskState.Assigned => TaskState.Assigned,
        ModelTaskState.Accepted => TaskState.Accepted,
        ModelTaskState.Preparing => TaskState.Preparing,
        ModelTaskState.Ready => TaskState.Ready,
        ModelTaskState.Starting => TaskState.Starting,
        ModelTaskState.Running => TaskState.Running,
        ModelTaskState.Complete => TaskState.Complete,
        ModelTaskState.Shutdown => TaskState.Shutdown,
        ModelTaskState.Failed => TaskState.Failed,
        ModelTaskState.Rejected => TaskState.Rejected,
        ModelTaskState.Orphaned => TaskState.Orphaned,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a task state"),
    };

    /// <summary>
    /// A desired state from the wire in the agent's model. The dispatcher always sets one: an assignment
    /// without it (<see cref="DesiredState.Unspecified"/>) is not a message of this protocol.
    /// </summary>
    public static ModelDesiredState ToModel(DesiredState state) => state switch
    {
        DesiredState.Ready => ModelDesiredState.Ready,
        DesiredState.Running => ModelDesiredState.Running,
        DesiredState.Completed => ModelDesiredState.Completed,
        DesiredState.Shutdown => ModelDesiredState.Shutdown,
        DesiredState.Remove => ModelDesiredState.Remove,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a desired state of the dispatcher protocol"),
    };
}
