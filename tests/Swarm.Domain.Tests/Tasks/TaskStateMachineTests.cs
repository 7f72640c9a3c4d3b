using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Tasks;

public class TaskStateMachineTests
{
    public static TheoryData<TaskState, TaskState> AllPairs()
    {
        var data = new TheoryData<TaskState, TaskState>();
        foreach (var from in Enum.GetValues<TaskState>())
        {
            foreach (var to in Enum.GetValues<TaskState>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void A_task_never_moves_backwards_or_out_of_a_terminal_state(TaskState from, TaskState to)
    {
        var allowed = TaskStateMachine.CanTransition(from, to);
        if (to <= from || TaskStateMachine.IsTerminal(from))
        {
            Assert.False(allowed);
        }
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Each_state_is_reached_only_from_where_its_owner_works(TaskState from, TaskState to)
    {
        var allowed = TaskStateMachine.CanTransition(from, to);
        var expected = !TaskStateMachine.IsTerminal(from) && to > from && to switch
        {
            TaskState.New => false,
            TaskState.Pending => from == TaskState.New,
            TaskState.Assigned => from == TaskState.Pending,
            TaskState.Shutdown => true,
            _ => from >= TaskState.Assigned,
        };
        Assert.Equal(expected, allowed);
    }

    [Fact]
    public void The_happy_path_is_allowed_step_by_step()
    {
        TaskState[] path = [TaskState.New, TaskState.Pending, TaskState.Assigned, TaskState.Accepted, TaskState.Preparing, TaskState.Ready, TaskState.Starting, TaskState.Running, TaskState.Complete];
        for (var i = 1; i < path.Length; i++)
        {
            Assert.True(TaskStateMachine.CanTransition(path[i - 1], path[i]), $"{path[i - 1]} -> {path[i]}");
        }
    }

    [Fact]
    public void An_agent_may_skip_ahead_in_one_report()
    {
        Assert.True(TaskStateMachine.CanTransition(TaskState.Assigned, TaskState.Running));
        Assert.True(TaskStateMachine.CanTransition(TaskState.Assigned, TaskState.Failed));
    }

    [Fact]
    public void Terminal_states_are_complete_and_after()
    {
        var terminal = Enum.GetValues<TaskState>().Where(TaskStateMachine.IsTerminal).ToArray();
        Assert.Equal([TaskState.Complete, TaskState.Shutdown, TaskState.Failed, TaskState.Rejected, TaskState.Orphaned], terminal);
    }

    [Fact]
    public void Agents_report_only_states_from_accepted_to_rejected()
    {
        var reportable = Enum.GetValues<TaskState>().Where(TaskStateMachine.IsAgentReportable).ToArray();
        Assert.DoesNotContain(TaskState.New, reportable);
        Assert.DoesNotContain(TaskState.Pending, reportable);
        Assert.DoesNotContain(TaskState.Assigned, reportable);
        Assert.DoesNotContain(TaskState.Orphaned, reportable);
        Assert.Contains(TaskState.Running, reportable);
        Assert.Contains(TaskState.Rejected, reportable);
    }

    [Theory]
    [InlineData(DesiredState.Ready, DesiredState.Running, true)]
    [InlineData(DesiredState.Running, DesiredState.Shutdown, true)]
    [InlineData(DesiredState.Shutdown, DesiredState.Remove, true)]
    [InlineData(DesiredState.Running, DesiredState.Ready, false)]
    [InlineData(DesiredState.Remove, DesiredState.Shutdown, false)]
    [InlineData(DesiredState.Running, DesiredState.Running, false)]
    public void Desired_state_only_moves_forward(DesiredState from, DesiredState to, bool allowed) =>
        Assert.Equal(allowed, TaskStateMachine.CanChangeDesired(from, to));
}
