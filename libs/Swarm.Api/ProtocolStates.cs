using ModelDesiredState = Swarm.Contracts.Model.DesiredState;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Dispatcher.Api;

/// <summary>
/// Task and desired states between the wire and the cluster's model. Both enums name the same states with
/// the same numbers; the mapping is spelled out so that a state added on one side and not the other is a
/// compile-visible gap, not a number passed through.
/// </summary>
public static class ProtocolStates
{
    public static ModelTaskState ToModel(TaskState state) =>
        TryToModel(state, out var model) ? model : throw new ArgumentOutOfRangeException(nameof(state), state, "not a task state of the dispatcher protocol");

    /// <summary>A task state from the wire; false for a value the protocol does not define.</summary>
    public static bool TryToModel(TaskState state, out ModelTaskState model)
    {
        model = state switch
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
            _ => (ModelTaskState)(-1),
        };
        return (int)model >= 0;
    }

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
    /// A desired state from the wire. The dispatcher always sets one: an assignment without it
    /// (<see cref="DesiredState.Unspecified"/>) is not a message of this protocol.
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

    public static DesiredState ToProto(ModelDesiredState state) => state switch
    {
        ModelDesiredState.Ready => DesiredState.Ready,
        ModelDesiredState.Running => DesiredState.Running,
        ModelDesiredState.Completed => DesiredState.Completed,
        ModelDesiredState.Shutdown => DesiredState.Shutdown,
        ModelDesiredState.Remove => DesiredState.Remove,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a desired state"),
    };
}
