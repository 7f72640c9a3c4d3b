using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>
/// Command → orchestrator → allocator → scheduler through the real log, relay and broker, with agents
/// simulated by writing their status reports to the log.
/// </summary>
public sealed class PipelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task Six_replicas_are_allocated_and_spread_three_per_node_then_scaled_to_two()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var nodeA = await managers.AddNodeAsync("node-a");
        var nodeB = await managers.AddNodeAsync("node-b");

        await managers.AcceptedAsync(new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "front", Subnet = "10.30.0.0/24" } });
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = new ServiceSpec { Name = "web", Replicas = 6, Command = ["sleep", "3600"], Networks = [new NetworkAttachmentSpec { Target = "front" }] } })).Id;

        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 6 && t.All(x => x.State == TaskState.Assigned), Timeout, "6 assigned tasks");
        Assert.Equal([1, 2, 3, 4, 5, 6], tasks.Select(t => t.Slot));
        Assert.Equal(3, tasks.Count(t => t.NodeId == nodeA));
        Assert.Equal(3, tasks.Count(t => t.NodeId == nodeB));
        Assert.Equal(6, tasks.Select(t => t.Address).Distinct().Count());
        Assert.All(tasks, t => Assert.StartsWith("10.30.0.", t.Address));

        await managers.RunAssignedAsync();
        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Replicas = 2 });

        tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count(x => x.DesiredState == DesiredState.Remove) == 4, Timeout, "4 tasks told to go");
        var kept = tasks.Where(t => t.DesiredState == DesiredState.Running).ToList();
        Assert.Equal(2, kept.Count);
        Assert.Single(kept, t => t.NodeId == nodeA);
        Assert.Single(kept, t => t.NodeId == nodeB);
        Assert.Equal(6, tasks.Count);

        // the agents stop them; their addresses go back to the pool
        await managers.RunAssignedAsync();
        await Eventually.WaitAsync(() => managers.LeasesAsync(Swarm.EventStore.Allocation.LeaseKinds.Task), l => l.Count == 2, Timeout, "addresses of the 4 removed tasks released");

        // once reaped, the removed tasks are gone from the read model but their streams stay in the
        // log: scaling back up makes new tasks for slots 3-6 under ids of their own (attempt 2)
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 2, Timeout, "the 4 removed tasks reaped");
        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Replicas = 6 });
        tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 6 && t.All(x => x.State == TaskState.Assigned || x.State == TaskState.Running), Timeout, "6 tasks again");
        Assert.Equal([1, 2, 3, 4, 5, 6], tasks.Select(t => t.Slot).Order());
        Assert.All(tasks.Where(t => t.Slot > 2 && !kept.Any(k => k.Id == t.Id)), t => Assert.Equal(2, t.Attempt));
    }

    [SkippableFact]
    public async Task Tasks_that_fit_nowhere_wait_with_a_reason_and_are_placed_when_a_node_joins()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var down = await managers.AddNodeAsync("gone");
        await managers.SetNodeStatusAsync(down, NodeStatus.Down);

        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = new ServiceSpec { Name = "waiting", Replicas = 2, Command = ["sleep", "1"] } })).Id;

        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 2 && t.All(x => x.Message.StartsWith("no suitable node", StringComparison.Ordinal)), Timeout, "unschedulable reason");
        Assert.All(tasks, t => Assert.Equal(TaskState.Pending, t.State));
        Assert.Equal("no suitable node (1 node not ready)", tasks[0].Message);

        var fresh = await managers.AddNodeAsync("fresh");
        tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.All(x => x.State == TaskState.Assigned), Timeout, "tasks placed on the new node");
        Assert.All(tasks, t => Assert.Equal(fresh, t.NodeId));
    }

    [SkippableFact]
    public async Task A_task_that_fails_is_restarted_in_its_slot_after_the_delay()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("only");
        var spec = new ServiceSpec { Name = "flaky", Replicas = 2, Command = ["false"], RestartPolicy = new RestartPolicySpec { Condition = "on-failure", DelaySeconds = 1, MaxAttempts = 2 } };
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = spec })).Id;

        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 2 && t.All(x => x.State == TaskState.Assigned), Timeout, "2 assigned");
        await managers.RunAssignedAsync();
        var slot1 = (await managers.TasksAsync(serviceId)).Single(t => t.Slot == 1);
        await managers.ReportAsync([slot1], TaskState.Failed, exitCode: 1);

        tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Any(x => x.Slot == 1 && x.Attempt == 2 && x.State == TaskState.Assigned && x.DesiredState == DesiredState.Running), Timeout, "slot 1 restarted");
        var replacement = tasks.Single(t => t.Slot == 1 && t.Attempt == 2);
        Assert.True(replacement.StartAfter >= replacement.CreatedAt.AddSeconds(1).AddMilliseconds(-1), "the replacement waits out the restart delay");
        Assert.Equal(DesiredState.Shutdown, tasks.Single(t => t.Id == slot1.Id).DesiredState);
        Assert.Equal(3, tasks.Count);
    }

    [SkippableFact]
    public async Task Tasks_of_a_node_that_goes_down_move_to_the_other_node()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var a = await managers.AddNodeAsync("a");
        var b = await managers.AddNodeAsync("b");
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = new ServiceSpec { Name = "moving", Replicas = 4, Command = ["sleep", "3600"] } })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 4 && t.All(x => x.State == TaskState.Assigned), Timeout, "4 assigned");
        await managers.RunAssignedAsync();

        await managers.SetNodeStatusAsync(b, NodeStatus.Down);
        var tasks = await Eventually.WaitAsync(
            () => managers.TasksAsync(serviceId),
            t => t.Count(x => x.DesiredState == DesiredState.Running && x.NodeId == a && x.State >= TaskState.Assigned) == 4,
            Timeout,
            "all 4 live tasks on node a");
        Assert.Equal([1, 2, 3, 4], tasks.Where(t => t.DesiredState == DesiredState.Running).Select(t => t.Slot).Order());
        Assert.All(tasks.Where(t => t.NodeId == b), t => Assert.Equal(DesiredState.Shutdown, t.DesiredState));
    }

    [SkippableFact]
    public async Task Draining_a_node_moves_its_tasks_and_keeps_new_ones_off_it()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var a = await managers.AddNodeAsync("a");
        var b = await managers.AddNodeAsync("b");
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = new ServiceSpec { Name = "drained", Replicas = 4, Command = ["sleep", "3600"] } })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 4 && t.All(x => x.State == TaskState.Assigned), Timeout, "4 assigned");
        await managers.RunAssignedAsync();

        await managers.AcceptedAsync(new UpdateNode { CommandId = Guid.NewGuid(), Node = "a", Availability = NodeAvailability.Drain });

        var tasks = await Eventually.WaitAsync(
            () => managers.TasksAsync(serviceId),
            t => t.Count(x => x.DesiredState == DesiredState.Running && x.NodeId == b && x.State >= TaskState.Assigned) == 4,
            Timeout,
            "all 4 live tasks on node b");
        Assert.All(tasks.Where(t => t.NodeId == a), t => Assert.Equal(DesiredState.Shutdown, t.DesiredState));

        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "drained", Replicas = 6 });
        tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count(x => x.DesiredState == DesiredState.Running && x.State == TaskState.Assigned && x.NodeId == b) >= 2, Timeout, "2 more on b");
        Assert.DoesNotContain(tasks, t => t.NodeId == a && t.DesiredState == DesiredState.Running);
    }
}
