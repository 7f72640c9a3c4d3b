using Swarm.Dispatcher.Api;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;
using ModelDesiredState = Swarm.Contracts.Model.DesiredState;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Worker.Tests.Agent;

/// <summary>The state enums of the wire and of the model name the same states with the same numbers.</summary>
public sealed class ProtoMappingTests
{
    public static TheoryData<TaskState> WireTaskStates() => new(Enum.GetValues<TaskState>());

    public static TheoryData<ModelTaskState> ModelTaskStates() => new(Enum.GetValues<ModelTaskState>());

    public static TheoryData<DesiredState> WireDesiredStates() => new(Enum.GetValues<DesiredState>().Where(s => s != DesiredState.Unspecified));

    public static TheoryData<ModelDesiredState> ModelDesiredStates() => new(Enum.GetValues<ModelDesiredState>());

    [Theory]
    [MemberData(nameof(WireTaskStates))]
    public void Every_task_state_of_the_wire_is_the_model_state_of_the_same_name_and_number(TaskState state)
    {
        var model = ProtoMapping.ToModel(state);

        Assert.Equal(state.ToString(), model.ToString());
        Assert.Equal((int)state, (int)model);
        Assert.Equal(state, ProtoMapping.ToProto(model));
    }

    [Theory]
    [MemberData(nameof(ModelTaskStates))]
    public void Every_task_state_of_the_model_is_the_wire_state_of_the_same_name_and_number(ModelTaskState state)
    {
        var wire = ProtoMapping.ToProto(state);

        Assert.Equal(state.ToString(), wire.ToString());
        Assert.Equal((int)state, (int)wire);
        Assert.Equal(state, ProtoMapping.ToModel(wire));
    }

    [Theory]
    [MemberData(nameof(WireDesiredStates))]
    public void Every_desired_state_of_the_wire_is_the_model_state_of_the_same_name_and_number(DesiredState state)
    {
        var model = ProtoMapping.ToModel(state);

        Assert.Equal(state.ToString(), model.ToString());
        Assert.Equal((int)state, (int)model);
    }

    [Theory]
    [MemberData(nameof(ModelDesiredStates))]
    public void Every_desired_state_of_the_model_comes_over_the_wire(ModelDesiredState state)
    {
        var wire = Enum.Parse<DesiredState>(state.ToString());

        Assert.Equal((int)state, (int)wire);
        Assert.Equal(state, ProtoMapping.ToModel(wire));
    }

    [Fact]
    public void A_state_outside_the_protocol_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtoMapping.ToModel(DesiredState.Unspecified));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtoMapping.ToModel((DesiredState)1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtoMapping.ToModel((TaskState)1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtoMapping.ToProto((ModelTaskState)1));
    }

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
