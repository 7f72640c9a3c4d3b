using Marten;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Orchestration;

/// <summary>Global services, jobs and task cleanup through the real log and bus, with simulated agents.</summary>
public sealed class ModesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [SkippableFact]
    public async Task A_global_service_follows_nodes_joining_and_draining()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var a = await managers.AddNodeAsync("a");
        var b = await managers.AddNodeAsync("b");
        var c = await managers.AddNodeAsync("c");
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = new ServiceSpec { Name = "agent", Mode = "global", Command = ["sleep", "1d"] } })).Id;

        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 3 && t.All(x => x.State == TaskState.Assigned), Timeout, "3 tasks, one per node");
        Assert.Equal(new[] { a, b, c }.Order(), tasks.Select(t => t.NodeId!.Value).Order());
        await managers.RunAssignedAsync();

        var d = await managers.AddNodeAsync("d");
        tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Any(x => x.NodeId == d && x.State >= TaskState.Assigned), Timeout, "a task on the new node");
        Assert.Equal(4, tasks.Count);
        await managers.RunAssignedAsync();

        await managers.AcceptedAsync(new UpdateNode { CommandId = Guid.NewGuid(), Node = "b", Availability = NodeAvailability.Drain });
        tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Single(x => x.NodeId == b).DesiredState == DesiredState.Shutdown, Timeout, "b's task told to stop");
        await managers.RunAssignedAsync();
        tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count(x => x.State == TaskState.Running && x.DesiredState == DesiredState.Running) == 3, Timeout, "3 running");
        Assert.DoesNotContain(tasks, t => t.NodeId == b && !t.IsTerminal);
    }

    [SkippableFact]
    public async Task A_replicated_job_runs_ten_completions_at_most_three_at_a_time()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("a");
        await managers.AddNodeAsync("b");
        var spec = new ServiceSpec { Name = "batch", Mode = "replicated-job", TotalCompletions = 10, MaxConcurrent = 3, Command = ["true"] };
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = spec })).Id;

        var maxActive = 0;
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var tasks = await managers.TasksAsync(serviceId);
            maxActive = Math.Max(maxActive, tasks.Count(t => !t.IsTerminal && t.State >= TaskState.Assigned));
            if (tasks.Count(t => t.State == TaskState.Complete) == 10)
            {
                break;
            }

            // a simulated agent: running tasks complete, assigned ones start
            await managers.ReportAsync(tasks.Where(t => t.State == TaskState.Running), TaskState.Complete);
            await managers.ReportAsync(tasks.Where(t => t.State is >= TaskState.Assigned and < TaskState.Running && t.DesiredState == DesiredState.Completed), TaskState.Running);
            await Task.Delay(150);
        }

        var final = await managers.TasksAsync(serviceId);
        Assert.Equal(10, final.Count(t => t.State == TaskState.Complete));
        Assert.Equal(Enumerable.Range(0, 10), final.Where(t => t.State == TaskState.Complete).Select(t => t.Slot).Order());
        Assert.InRange(maxActive, 1, 3);
        Assert.All(final, t => Assert.Equal(DesiredState.Completed, t.DesiredState));
    }

    [SkippableFact]
    public async Task Scale_down_drain_and_removal_leave_no_stuck_or_orphaned_tasks_in_the_read_model()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var a = await managers.AddNodeAsync("a");
        await managers.AddNodeAsync("b");
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = new ServiceSpec { Name = "web", Replicas = 6, Command = ["sleep", "1d"] } })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 6 && t.All(x => x.State == TaskState.Assigned), Timeout, "6 assigned");
        await managers.RunAssignedAsync();

        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Replicas = 3 });
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count(x => x.DesiredState == DesiredState.Remove) == 3, Timeout, "3 told to go");
        await managers.RunAssignedAsync();
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 3, Timeout, "the removed tasks reaped");

        // a node that dies with a task told to stop: the task is orphaned, then reaped, never stuck
        await managers.AcceptedAsync(new UpdateNode { CommandId = Guid.NewGuid(), Node = "a", Availability = NodeAvailability.Drain });
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Where(x => x.NodeId == a).All(x => x.DesiredState >= DesiredState.Shutdown), Timeout, "a's tasks told to stop");
        await managers.SetNodeStatusAsync(a, NodeStatus.Down);
        await managers.RunAssignedAsync(deadNode: a);

        await managers.AcceptedAsync(new RemoveService { CommandId = Guid.NewGuid(), Service = "web" });
        var left = await Eventually.WaitAsync(async () =>
        {
            await managers.RunAssignedAsync(deadNode: a);
            return await managers.TasksAsync(serviceId);
        }, t => t.Count == 0, Timeout, "every task of the removed service gone from the read model");
        Assert.Empty(left);

        await using var query = managers.Store.QuerySession();
        var orphaned = await query.Events.QueryAllRawEvents().Where(e => e.EventTypeName == "task_status_changed").ToListAsync();
        Assert.Contains(orphaned, e => e.Data is Swarm.Contracts.Events.TaskStatusChanged { State: TaskState.Orphaned });
    }

    [SkippableFact]
    public async Task A_reaped_task_is_still_in_the_log()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("a");
        await managers.AcceptedAsync(new UpdateCluster { CommandId = Guid.NewGuid(), TaskHistoryLimit = 1 });
        var spec = new ServiceSpec { Name = "flaky", Replicas = 1, Command = ["false"], RestartPolicy = new RestartPolicySpec { Condition = "any", DelaySeconds = 0 } };
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = spec })).Id;

        var first = (await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 1 && t[0].State == TaskState.Assigned, Timeout, "first task"))[0];
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var live = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Any(x => x.Attempt == attempt && x.State == TaskState.Assigned), Timeout, $"attempt {attempt} assigned");
            await managers.ReportAsync(live.Where(x => x.Attempt == attempt), TaskState.Failed, exitCode: 1);
        }

        // limit 1: only the newest ended task is kept beside the live one
        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 2 && t.Any(x => x.Attempt == 4), Timeout, "older attempts reaped");
        Assert.DoesNotContain(tasks, t => t.Id == first.Id);

        await using var query = managers.Store.QuerySession();
        var history = await query.Events.FetchStreamAsync(first.Id);
        Assert.Contains(history, e => e.Data is Swarm.Contracts.Events.TaskReaped);
        Assert.Contains(history, e => e.Data is Swarm.Contracts.Events.TaskStatusChanged { State: TaskState.Failed });
    }
}
