using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Scheduling;

/// <summary>
/// The scheduler's filters, spread and resource accounting through the real log and broker: commands
/// go to the orchestrator, the allocator makes tasks pending, the scheduler places them.
/// </summary>
public sealed class PlacementTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task A_task_that_fits_nowhere_says_why_and_is_placed_when_a_fitting_node_joins()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await AddNodeAsync(managers, "west", labels: new() { ["zone"] = "west" });
        await AddNodeAsync(managers, "small-east", cpus: 0.5, labels: new() { ["zone"] = "east" });
        var down = await AddNodeAsync(managers, "gone");
        await managers.SetNodeStatusAsync(down, NodeStatus.Down);

        var spec = Spec("east-only", 2, cpus: 1) with { Placement = new PlacementSpec { Constraints = ["node.labels.zone==east"] } };
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = spec })).Id;

        const string reason = "no suitable node (1 node not ready; insufficient CPU on 1 node; constraint 'node.labels.zone==east' not satisfied on 1 node)";
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 2 && t.All(x => x.State == TaskState.Pending && x.Message == reason), Timeout, "two pending tasks with the reason");

        // the reason is also the task's error, which service ps shows in its ERROR column as docker does
        Assert.All(await managers.TasksAsync(serviceId), t => Assert.Equal(reason, t.Error));

        var east = await AddNodeAsync(managers, "east", labels: new() { ["zone"] = "east" });
        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.All(x => x.State == TaskState.Assigned), Timeout, "both tasks placed on the new node");
        Assert.All(tasks, t => Assert.Equal(east, t.NodeId));
        Assert.All(tasks, t => Assert.Null(t.Error));
    }

    [SkippableFact]
    public async Task Nine_tasks_spread_three_per_zone_over_zones_of_unequal_size()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var zones = new Dictionary<Guid, string>();
        foreach (var (zone, count) in new[] { ("a", 1), ("b", 2), ("c", 4) })
        {
            for (var i = 0; i < count; i++)
            {
                zones[await AddNodeAsync(managers, $"{zone}{i}", labels: new() { ["zone"] = zone })] = zone;
            }
        }

        var spec = Spec("spread", 9) with { Placement = new PlacementSpec { Preferences = [new PlacementPreferenceSpec { Spread = "node.labels.zone" }] } };
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = spec })).Id;

        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 9 && t.All(x => x.State == TaskState.Assigned), Timeout, "9 assigned tasks");
        var perZone = tasks.GroupBy(t => zones[t.NodeId!.Value]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["a"] = 3, ["b"] = 3, ["c"] = 3 }, perZone);
    }

    [SkippableFact]
    public async Task A_node_with_two_cpus_never_holds_more_than_two_cpus_of_reservations_under_concurrent_creates()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var node = await AddNodeAsync(managers, "two-cpus", cpus: 2);

        var creates = Enumerable.Range(0, 6).Select(i => managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec($"s{i}", 1, cpus: 0.75) }));
        await Task.WhenAll(creates);

        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(), t => t.Count == 6 && t.All(x => x.State == TaskState.Assigned || x.Message.StartsWith("no suitable node", StringComparison.Ordinal)), Timeout, "6 tasks decided");
        await managers.SettleAsync(TimeSpan.FromSeconds(1), Timeout);
        tasks = await managers.TasksAsync();
        Assert.Equal(2, tasks.Count(t => t.NodeId == node));
        Assert.All(tasks.Where(t => t.NodeId is null), t => Assert.Equal("no suitable node (insufficient CPU on 1 node)", t.Message));
    }

    [SkippableFact]
    public async Task Reservations_are_rebuilt_from_the_log_after_a_scheduler_restart()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await AddNodeAsync(managers, "one-gib", memory: 1L << 30);
        await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("first", 1, memory: 768L << 20) });
        await Eventually.WaitAsync(() => managers.TasksAsync(), t => t.Count == 1 && t[0].State == TaskState.Assigned, Timeout, "first task placed");

        await managers.StopAsync("scheduler");
        await managers.StartAsync("scheduler");
        var second = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("second", 1, memory: 512L << 20) })).Id;

        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(second), t => t.Count == 1 && t[0].Message.StartsWith("no suitable node", StringComparison.Ordinal), Timeout, "second task pending");
        Assert.Equal("no suitable node (insufficient memory on 1 node)", tasks[0].Message);
        Assert.Null(tasks[0].NodeId);
    }

    [SkippableFact]
    public async Task A_malformed_constraint_is_refused_with_the_expression_quoted()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var spec = Spec("bad", 1) with { Placement = new PlacementSpec { Constraints = ["node.labels.zone=east"] } };
        var response = await managers.SendAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = spec });
        Assert.True(response.Is(out Response<CommandRejected>? rejected));
        Assert.Equal("spec.placement.constraints[0]", rejected!.Message.Field);
        Assert.Contains("'node.labels.zone=east'", rejected.Message.Reason);
    }

    private static ServiceSpec Spec(string name, int replicas, double cpus = 0, long memory = 0) => new()
    {
        Name = name,
        Replicas = replicas,
        Command = ["sleep", "3600"],
        Resources = cpus > 0 || memory > 0 ? new ResourcesSpec { Reservations = new ResourceAmounts { NanoCpus = (long)(cpus * 1e9), MemoryBytes = memory } } : null,
    };

    /// <summary>Registers a ready node with resources and labels, the way the dispatcher records an agent.</summary>
    private static async Task<Guid> AddNodeAsync(Managers managers, string hostname, double cpus = 4, long memory = 8L << 30, Dictionary<string, string>? labels = null)
    {
        var id = Guid.NewGuid();
        await using var session = managers.Store.LightweightSession();
        session.Events.StartStream<Node>(id,
            new NodeRegistered
            {
                NodeId = id,
                Description = new NodeDescription
                {
                    Hostname = hostname,
                    Os = "linux",
                    Architecture = "x86_64",
                    Executor = "test",
                    Address = "10.9.0.1",
                    NanoCpus = (long)(cpus * 1e9),
                    MemoryBytes = memory,
                    Labels = labels ?? [],
                },
                At = DateTimeOffset.UtcNow,
            },
            new NodeStatusChanged { NodeId = id, Status = NodeStatus.Ready, Message = "registered", At = DateTimeOffset.UtcNow });
        await session.SaveChangesAsync();
        return id;
    }
}
