using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Tasks;

/// <summary>As in docker's <c>service ps</c>, a task no node fits shows why in its error until it is assigned.</summary>
public class UnschedulableReasonTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static SwarmTask Pending() =>
        SwarmTask.Create(new TaskCreated { TaskId = Guid.NewGuid(), ServiceId = Guid.NewGuid(), ServiceName = "web", Slot = 1, Attempt = 1, Spec = new ServiceSpec { Name = "web", Command = ["true"] }, DesiredState = DesiredState.Running, CreatedAt = Now })
            .Apply(new TaskAllocated { AllocatedAt = Now });

    [Fact]
    public void An_unschedulable_task_carries_the_reason_as_its_error()
    {
        var task = Pending().Apply(new TaskUnschedulable { Reason = "no suitable node (insufficient resources on 2 nodes)", At = Now.AddSeconds(1) });
        Assert.Equal(TaskState.Pending, task.State);
        Assert.Equal("no suitable node (insufficient resources on 2 nodes)", task.Error);
    }

    [Fact]
    public void Assignment_clears_the_unschedulable_reason()
    {
        var task = Pending()
            .Apply(new TaskUnschedulable { Reason = "no suitable node (1 node not available for new tasks)", At = Now.AddSeconds(1) })
            .Apply(new TaskAssigned { NodeId = Guid.NewGuid(), AssignedAt = Now.AddSeconds(2) });
        Assert.Null(task.Error);
    }
}
