using Swarm.Dispatcher.Api;
using ModelDesiredState = Swarm.Contracts.Model.DesiredState;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Dispatcher.Tests.Protocol;

/// <summary>The state enums of the wire and of the model name the same states with the same numbers.</summary>
public sealed class ProtocolStatesTests
{
    public static TheoryData<TaskState> WireTaskStates() => new(Enum.GetValues<TaskState>());

    public static TheoryData<ModelTaskState> ModelTaskStates() => new(Enum.GetValues<ModelTaskState>());

    public static TheoryData<DesiredState> WireDesiredStates() => new(Enum.GetValues<DesiredState>().Where(s => s != DesiredState.Unspecified));

    public static TheoryData<ModelDesiredState> ModelDesiredStates() => new(Enum.GetValues<ModelDesiredState>());

    [Theory]
    [MemberData(nameof(WireTaskStates))]
    public void Every_task_state_of_the_wire_is_the_model_state_of_the_same_name_and_number(TaskState state)
    {
        var model = ProtocolStates.ToModel(state);

        Assert.Equal(state.ToString(), model.ToString());
        Assert.Equal((int)state, (int)model);
        Assert.Equal(state, ProtocolStates.ToProto(model));
    }

    [Theory]
    [MemberData(nameof(ModelTaskStates))]
    public void Every_task_state_of_the_model_is_the_wire_state_of_the_same_name_and_number(ModelTaskState state)
    {
        var wire = ProtocolStates.ToProto(state);

        Assert.Equal(state.ToString(), wire.ToString());
        Assert.Equal((int)state, (int)wire);
        Assert.Equal(state, ProtocolStates.ToModel(wire));
    }

    [Theory]
    [MemberData(nameof(WireDesiredStates))]
    public void Every_desired_state_of_the_wire_is_the_model_state_of_the_same_name_and_number(DesiredState state)
    {
        var model = ProtocolStates.ToModel(state);

        Assert.Equal(state.ToString(), model.ToString());
        Assert.Equal((int)state, (int)model);
    }

    [Theory]
    [MemberData(nameof(ModelDesiredStates))]
    public void Every_desired_state_of_the_model_comes_over_the_wire(ModelDesiredState state)
    {
        var wire = Enum.Parse<DesiredState>(state.ToString());

        Assert.Equal((int)state, (int)wire);
        Assert.Equal(state, ProtocolStates.ToModel(wire));
    }

    [Fact]
    public void A_state_outside_the_protocol_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtocolStates.ToModel(DesiredState.Unspecified));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtocolStates.ToModel((DesiredState)1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtocolStates.ToModel((TaskState)1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtocolStates.ToProto((ModelTaskState)1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtocolStates.ToProto((ModelDesiredState)1));
        Assert.False(ProtocolStates.TryToModel((TaskState)1, out _));
    }

    [Theory]
    [MemberData(nameof(ModelDesiredStates))]
    public void Every_desired_state_goes_over_the_wire_and_back(ModelDesiredState state)
    {
        var wire = ProtocolStates.ToProto(state);

        Assert.Equal(state.ToString(), wire.ToString());
        Assert.Equal(state, ProtocolStates.ToModel(wire));
    }
}
