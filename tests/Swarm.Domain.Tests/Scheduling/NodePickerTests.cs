using Swarm.Contracts.Model;
using Swarm.Domain.Scheduling;

namespace Swarm.Domain.Tests.Scheduling;

public class NodePickerTests
{
    private static NodeCandidate Node(string host, int serviceTasks = 0, int total = 0, NodeStatus status = NodeStatus.Ready, NodeAvailability availability = NodeAvailability.Active) =>
        new(Guid.NewGuid(), host, status, availability, serviceTasks, total);

    [Fact]
    public void Fewest_tasks_of_the_service_wins_before_fewest_tasks_overall()
    {
        var busyButFree = Node("a", serviceTasks: 0, total: 10);
        var idleButHasOne = Node("b", serviceTasks: 1, total: 1);
        Assert.Equal("a", NodePicker.Pick([idleButHasOne, busyButFree]).Node!.Hostname);
    }

    [Fact]
    public void Ties_on_the_service_go_to_the_node_with_fewer_tasks()
    {
        Assert.Equal("b", NodePicker.Pick([Node("a", 1, 5), Node("b", 1, 2)]).Node!.Hostname);
    }

    [Fact]
    public void Six_tasks_spread_three_per_node()
    {
        var nodes = new List<NodeCandidate> { Node("a"), Node("b") };
        for (var i = 0; i < 6; i++)
        {
            var picked = NodePicker.Pick(nodes).Node!;
            nodes = nodes.Select(n => n.Id == picked.Id ? n with { ServiceTasks = n.ServiceTasks + 1, TotalTasks = n.TotalTasks + 1 } : n).ToList();
        }

        Assert.All(nodes, n => Assert.Equal(3, n.ServiceTasks));
    }

    [Fact]
    public void Nodes_not_ready_or_not_active_are_filtered_with_a_reason()
    {
        var result = NodePicker.Pick([Node("a", status: NodeStatus.Down), Node("b", availability: NodeAvailability.Drain), Node("c", availability: NodeAvailability.Pause)]);
        Assert.Null(result.Node);
        Assert.Equal("no suitable node (2 nodes not available for new tasks; 1 node not ready)", result.Reason);
    }

    [Fact]
    public void No_nodes_at_all_is_said_so() =>
        Assert.Equal("no suitable node (no nodes registered)", NodePicker.Pick([]).Reason);
}
