using Swarm.Contracts.Model;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Tests;

internal static class Tasks
{
    public static TaskAssignment Assignment(string id, DesiredState desired = DesiredState.Running, TaskState state = TaskState.Assigned, double? grace = null, params string[] command) => new()
    {
        TaskId = id,
        ServiceId = "svc",
        ServiceName = "web",
        Slot = 1,
        DesiredState = desired,
        State = state,
        Spec = new TaskRunSpec { Command = command, StopGracePeriodSeconds = grace },
    };
}
