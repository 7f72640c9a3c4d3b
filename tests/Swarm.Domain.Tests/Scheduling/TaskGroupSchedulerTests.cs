using Swarm.Contracts.Model;
using Swarm.Domain.Scheduling;
using static Swarm.Domain.Tests.Scheduling.SchedulingFixtures;

namespace Swarm.Domain.Tests.Scheduling;

public class TaskGroupSchedulerTests
{
    private static readonly ServiceSpec Plain = Spec();

    [Fact]
    public void Fewest_tasks_of_the_service_wins_before_fewest_tasks_overall()
    {
        var service = Guid.NewGuid();
        var other = Guid.NewGuid();
        var busyButFree = Node("a");
        var idleButHasOne = Node("b");
        var existing = Enumerable.Range(0, 10).Select(_ => Task(other, busyButFree.Id, Plain)).Append(Task(service, idleButHasOne.Id, Plain));
        var result = Schedule([idleButHasOne, busyButFree], Plain, 1, existing, service);
        Assert.Equal(busyButFree.Id, Assert.Single(result.Assignments).NodeId);
    }

    [Fact]
    public void Ties_on_the_service_go_to_the_node_with_fewer_tasks()
    {
        var service = Guid.NewGuid();
        var other = Guid.NewGuid();
        var a = Node("a");
        var b = Node("b");
        var existing = new[] { Task(service, a.Id, Plain), Task(service, b.Id, Plain), Task(other, a.Id, Plain), Task(other, a.Id, Plain) };
        Assert.Equal(b.Id, Assert.Single(Schedule([a, b], Plain, 1, existing, service).Assignments).NodeId);
    }

    [Fact]
    public void Six_tasks_spread_three_per_node()
    {
        var result = Schedule([Node("a"), Node("b")], Plain, 6);
        Assert.All(PerNode(result).Values, n => Assert.Equal(3, n));
        Assert.Empty(result.Unplaced);
    }

    [Fact]
    public void Nodes_not_ready_or_not_active_are_filtered_with_a_reason()
    {
        var result = Schedule([Node("a", status: NodeStatus.Down), Node("b", availability: NodeAvailability.Drain), Node("c", availability: NodeAvailability.Pause)], Plain, 1);
        Assert.Empty(result.Assignments);
        Assert.Equal("no suitable node (2 nodes not available for new tasks; 1 node not ready)", result.Reason);
    }

    [Fact]
    public void No_nodes_at_all_is_said_so() =>
        Assert.Equal("no suitable node (no nodes registered)", Schedule([], Plain, 1).Reason);

    [Fact]
    public void Insufficient_cpu_and_memory_are_counted_per_node()
    {
        var nodes = new[] { Node("a", cpus: 1), Node("b", memory: 1L << 30), Node("c", memory: 1L << 30), Node("d", status: NodeStatus.Down) };
        var result = Schedule(nodes, Spec(cpus: 2, memory: 2L << 30), 1);
        Assert.Equal("no suitable node (1 node not ready; insufficient CPU on 1 node; insufficient memory on 2 nodes)", result.Reason);
    }

    [Fact]
    public void Generic_resources_are_reserved_and_counted()
    {
        var gpu = Node("gpu", generic: new() { ["gpu"] = 4 });
        var result = Schedule([gpu, Node("plain")], Spec(generic: new() { ["gpu"] = 2 }), 3);
        Assert.Equal(2, result.Assignments.Count);
        Assert.All(result.Assignments, a => Assert.Equal(gpu.Id, a.NodeId));
        Assert.Equal("no suitable node (insufficient gpu on 2 nodes)", result.Reason);
    }

    [Fact]
    public void Reservations_never_exceed_what_a_node_has()
    {
        var service = Guid.NewGuid();
        var node = Node("two-cpus", cpus: 2);
        var spec = Spec(cpus: 0.5);
        var existing = new[] { Task(Guid.NewGuid(), node.Id, Spec(cpus: 1)) };
        var result = Schedule([node], spec, 5, existing, service);
        Assert.Equal(2, result.Assignments.Count);
        Assert.Equal(3, result.Unplaced.Count);
        Assert.Equal("no suitable node (insufficient CPU on 1 node)", result.Reason);
    }

    [Fact]
    public void Tasks_shutting_down_still_hold_their_reservations_but_terminal_ones_do_not()
    {
        var node = Node("a", cpus: 2);
        var existing = new[]
        {
            Task(Guid.NewGuid(), node.Id, Spec(cpus: 1), desired: DesiredState.Shutdown),
            Task(Guid.NewGuid(), node.Id, Spec(cpus: 1), state: TaskState.Complete),
        };
        Assert.Single(Schedule([node], Spec(cpus: 1), 2, existing).Assignments);
    }

    [Fact]
    public void Constraints_refuse_nodes_with_the_constraint_named()
    {
        var east = Node("east", labels: new() { ["zone"] = "east" });
        var result = Schedule([east, Node("west", labels: new() { ["zone"] = "west" }), Node("none")], Spec(constraints: ["node.labels.zone==east"]), 2);
        Assert.All(result.Assignments, a => Assert.Equal(east.Id, a.NodeId));

        var none = Schedule([Node("west", labels: new() { ["zone"] = "west" }), Node("none")], Spec(constraints: ["node.labels.zone==east"]), 1);
        Assert.Equal("no suitable node (constraint 'node.labels.zone==east' not satisfied on 2 nodes)", none.Reason);
    }

    [Fact]
    public void Platform_filter_reads_x86_64_as_amd64()
    {
        var arm = Node("arm", arch: "aarch64");
        var result = Schedule([Node("intel", arch: "x86_64"), arm], Spec(platforms: [new() { Os = "linux", Architecture = "arm64" }]), 1);
        Assert.Equal(arm.Id, Assert.Single(result.Assignments).NodeId);

        var refused = Schedule([Node("win", os: "windows", arch: "amd64"), Node("arm", arch: "aarch64")], Spec(platforms: [new() { Os = "linux", Architecture = "x86_64" }]), 1);
        Assert.Empty(refused.Assignments);
        Assert.Equal("no suitable node (unsupported platform on 2 nodes)", refused.Reason);
    }

    [Fact]
    public void Host_mode_ports_take_one_task_per_node()
    {
        var spec = Spec(ports: [new() { TargetPort = 80, PublishedPort = 8080, Mode = "host" }]);
        var service = Guid.NewGuid();
        var a = Node("a");
        var existing = new[] { Task(Guid.NewGuid(), a.Id, Spec(ports: [new() { TargetPort = 1, PublishedPort = 8080, Mode = "host" }])) };
        var result = Schedule([a, Node("b"), Node("c")], spec, 3, existing, service);
        Assert.Equal(2, result.Assignments.Count);
        Assert.DoesNotContain(result.Assignments, x => x.NodeId == a.Id);
        Assert.Equal("no suitable node (host-mode port 8080/tcp already in use on 3 nodes)", result.Reason);
    }

    [Fact]
    public void Ingress_ports_do_not_limit_placement()
    {
        var spec = Spec(ports: [new() { TargetPort = 80, PublishedPort = 8080 }]);
        Assert.Equal(4, Schedule([Node("a")], spec, 4).Assignments.Count);
    }

    [Fact]
    public void Max_replicas_per_node_is_respected()
    {
        var result = Schedule([Node("a"), Node("b")], Spec(maxPerNode: 2), 5);
        Assert.Equal(4, result.Assignments.Count);
        Assert.All(PerNode(result).Values, n => Assert.Equal(2, n));
        Assert.Equal("no suitable node (max replicas per node (2) reached on 2 nodes)", result.Reason);
    }

    [Fact]
    public void Each_node_is_counted_once_by_the_first_filter_that_refuses_it()
    {
        var nodes = new[]
        {
            Node("down", status: NodeStatus.Down, cpus: 0),
            Node("small", cpus: 0.5, labels: new() { ["zone"] = "west" }),
            Node("west", labels: new() { ["zone"] = "west" }),
            Node("arm", arch: "arm64", labels: new() { ["zone"] = "east" }),
        };
        var result = Schedule(nodes, Spec(cpus: 1, constraints: ["node.labels.zone==east"], platforms: [new() { Architecture = "amd64" }]), 1);
        Assert.Equal("no suitable node (1 node not ready; insufficient CPU on 1 node; constraint 'node.labels.zone==east' not satisfied on 1 node; unsupported platform on 1 node)", result.Reason);
    }

    [Fact]
    public void Nodes_that_failed_the_service_recently_go_last()
    {
        var service = Guid.NewGuid();
        var flaky = Node("a");
        var steady = Node("b");
        var failures = Enumerable.Range(0, 5).Select(i => Task(service, flaky.Id, Plain, state: TaskState.Failed, updated: Now.AddMinutes(-i)));
        var steadyLoad = Enumerable.Range(0, 3).Select(_ => Task(service, steady.Id, Plain));
        var result = Schedule([flaky, steady], Plain, 1, failures.Concat(steadyLoad), service);
        Assert.Equal(steady.Id, Assert.Single(result.Assignments).NodeId);
    }

    [Fact]
    public void Old_or_few_failures_do_not_demote_a_node()
    {
        var service = Guid.NewGuid();
        var node = Node("a");
        var other = Node("b");
        var old = Enumerable.Range(0, 10).Select(_ => Task(service, node.Id, Plain, state: TaskState.Failed, updated: Now.AddMinutes(-6)));
        var recentFew = Enumerable.Range(0, 4).Select(_ => Task(service, node.Id, Plain, state: TaskState.Rejected));
        var load = Task(service, other.Id, Plain);
        var result = Schedule([node, other], Plain, 1, old.Concat(recentFew).Append(load), service);
        Assert.Equal(node.Id, Assert.Single(result.Assignments).NodeId);
    }

    [Fact]
    public void Spread_lands_evenly_over_zones_of_unequal_size()
    {
        var nodes = new List<Swarm.Domain.Nodes.Node>();
        nodes.AddRange(Enumerable.Range(0, 1).Select(i => Node($"a{i}", labels: new() { ["zone"] = "a" })));
        nodes.AddRange(Enumerable.Range(0, 2).Select(i => Node($"b{i}", labels: new() { ["zone"] = "b" })));
        nodes.AddRange(Enumerable.Range(0, 5).Select(i => Node($"c{i}", labels: new() { ["zone"] = "c" })));
        var result = Schedule(nodes, Spec(spread: ["node.labels.zone"]), 9);
        var byZone = result.Assignments.GroupBy(a => nodes.Single(n => n.Id == a.NodeId).Labels["zone"]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["a"] = 3, ["b"] = 3, ["c"] = 3 }, byZone);
    }

    [Fact]
    public void Spread_puts_unlabelled_nodes_in_their_own_group()
    {
        var nodes = new[] { Node("a", labels: new() { ["zone"] = "a" }), Node("b", labels: new() { ["zone"] = "b" }), Node("x"), Node("y") };
        var result = Schedule(nodes, Spec(spread: ["spread=node.labels.zone"]), 6);
        var unlabelled = result.Assignments.Count(a => a.NodeId == nodes[2].Id || a.NodeId == nodes[3].Id);
        Assert.Equal(2, unlabelled);
        Assert.Equal(2, result.Assignments.Count(a => a.NodeId == nodes[0].Id));
    }

    [Fact]
    public void Spread_counts_tasks_already_running_in_each_group()
    {
        var service = Guid.NewGuid();
        var a = Node("a", labels: new() { ["zone"] = "a" });
        var b = Node("b", labels: new() { ["zone"] = "b" });
        var existing = Enumerable.Range(0, 4).Select(_ => Task(service, a.Id, Plain));
        var result = Schedule([a, b], Spec(spread: ["node.labels.zone"]), 6, existing, service);
        Assert.Equal(5, result.Assignments.Count(x => x.NodeId == b.Id));
    }

    [Fact]
    public void Nested_spread_levels_each_even_out()
    {
        var nodes = new List<Swarm.Domain.Nodes.Node>();
        foreach (var zone in new[] { "z1", "z2" })
        {
            foreach (var rack in new[] { "r1", "r2" })
            {
                nodes.Add(Node($"{zone}-{rack}", labels: new() { ["zone"] = zone, ["rack"] = rack }));
            }
        }

        nodes.Add(Node("z2-r2-extra", labels: new() { ["zone"] = "z2", ["rack"] = "r2" }));
        var result = Schedule(nodes, Spec(spread: ["node.labels.zone", "node.labels.rack"]), 8);
        var byZoneRack = result.Assignments.GroupBy(a => { var n = nodes.Single(x => x.Id == a.NodeId); return n.Labels["zone"] + n.Labels["rack"]; }).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(byZoneRack.Values, c => Assert.Equal(2, c));
    }

    [Fact]
    public void A_full_group_leaves_the_rest_to_other_groups()
    {
        var small = Node("a", cpus: 1, labels: new() { ["zone"] = "a" });
        var big = Node("b", cpus: 8, labels: new() { ["zone"] = "b" });
        var result = Schedule([small, big], Spec(spread: ["node.labels.zone"], cpus: 1), 6);
        Assert.Equal(6, result.Assignments.Count);
        Assert.Equal(1, result.Assignments.Count(x => x.NodeId == small.Id));
    }

    [Fact]
    public void Placements_of_one_group_are_seen_by_the_next()
    {
        var node = Node("a", cpus: 2);
        var set = NodeSet.Build([node], [], Now);
        var first = TaskGroupScheduler.Schedule(set, Guid.NewGuid(), Spec(cpus: 1.5), Ids(1), Now);
        var second = TaskGroupScheduler.Schedule(set, Guid.NewGuid(), Spec(cpus: 1), Ids(1), Now);
        Assert.Single(first.Assignments);
        Assert.Empty(second.Assignments);
        Assert.Equal(0.5e9, set.Find(node.Id)!.FreeNanoCpus);
    }
}
