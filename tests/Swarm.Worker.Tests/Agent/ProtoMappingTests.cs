using Swarm.Dispatcher.Api;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;
using ModelDesiredState = Swarm.Contracts.Model.DesiredState;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Worker.Tests.Agent;

/// <summary>What the agent reads from an assignment and writes into a status update.</summary>
public sealed class ProtoMappingTests
{
    [Fact]
    public void An_assignment_and_a_status_update_keep_their_states()
    {
        var assignment = ProtoMapping.ToModel(new Assignment { TaskId = "t", DesiredState = DesiredState.Shutdown, State = TaskState.Running });
        Assert.Equal(ModelDesiredState.Shutdown, assignment.DesiredState);
        Assert.Equal(ModelTaskState.Running, assignment.State);

        var update = ProtoMapping.ToProto(new StatusUpdate("t", ModelTaskState.Failed, "exited", "boom", 3, DateTimeOffset.UnixEpoch));
        Assert.Equal(TaskState.Failed, update.State);
        Assert.Equal(3, update.ExitCode);
    }
}
