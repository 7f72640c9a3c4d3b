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
        DesiredState = (ModelDesiredState)(int)a.DesiredState,
        State = (ModelTaskState)(int)a.State,
        Spec = a.Spec is { } spec
            ? new TaskRunSpec
            {
                Command = spec.Command.ToList(),
                Env = new Dictionary<string, string>(spec.Env),
                WorkingDir = string.IsNullOrEmpty(spec.WorkingDir) ? null : spec.WorkingDir,
                StopGracePeriodSeconds = spec.HasStopGracePeriodSeconds ? spec.StopGracePeriodSeconds : null,
                Image = string.IsNullOrEmpty(spec.Image) ? null : spec.Image,
            }
            : new TaskRunSpec(),
    };

    public static TaskStatusUpdate ToProto(StatusUpdate u)
    {
        var update = new TaskStatusUpdate
        {
            TaskId = u.TaskId,
            State = (TaskState)(int)u.State,
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
}
