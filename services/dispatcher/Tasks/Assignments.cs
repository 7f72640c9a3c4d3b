using Swarm.Dispatcher.Api;
using Swarm.Domain.Tasks;
using ModelDesiredState = Swarm.Contracts.Model.DesiredState;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Dispatcher.Tasks;

/// <summary>Maps the task read model to what an agent receives.</summary>
public static class Assignments
{
    public static Assignment ToAssignment(SwarmTask task)
    {
        var spec = new TaskSpec
        {
            WorkingDir = task.Spec.WorkingDir ?? "",
            Image = task.Spec.Image ?? "",
        };
        spec.Command.AddRange(task.Spec.Command);
        if (task.Spec.Env is { } env)
        {
            foreach (var (key, value) in env)
            {
                spec.Env[key] = value;
            }
        }

        if (task.Spec.StopGracePeriodSeconds is { } grace)
        {
            spec.StopGracePeriodSeconds = grace;
        }

        return new Assignment
        {
            TaskId = task.Id.ToString(),
            ServiceId = task.ServiceId.ToString(),
            ServiceName = task.ServiceName,
            Slot = task.Slot,
            Spec = spec,
            DesiredState = (DesiredState)(int)task.DesiredState,
            State = (TaskState)(int)task.State,
        };
    }

    public static ModelTaskState ToModel(TaskState state) => (ModelTaskState)(int)state;

    public static ModelDesiredState ToModel(DesiredState state) => (ModelDesiredState)(int)state;
}
