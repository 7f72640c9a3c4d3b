using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Orchestration.ConstraintEnforcer;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Orchestration.ConstraintEnforcer;

public class UnavailableNodesTests
{
    private static Node NewNode(string host, NodeAvailability availability = NodeAvailability.Active, NodeStatus status = NodeStatus.Ready, Dictionary<string, string>? labels = null) =>
        Node.Create(new NodeRegistered { NodeId = Guid.NewGuid(), Description = new NodeDescription { Hostname = host, Os = "linux", Architecture = "x86_64" }, At = Scenario.T0 })
            with { Status = status, Availability = availability, Labels = labels ?? [] };

    private static Service NewService(PlacementSpec? placement = null) => Service.Create(new ServiceCreated
    {
        ServiceId = Guid.NewGuid(),
        Spec = new ServiceSpec { Name = "web", Replicas = 2, Command = ["sleep", "60"], Placement = placement },
        CreatedAt = Scenario.T0,
    });

    [Fact]
    public void Ready_active_and_paused_nodes_are_available()
    {
        var nodes = new[] { NewNode("a"), NewNode("p", NodeAvailability.Pause) };

        Assert.Empty(UnavailableNodes.Of(NewService(), nodes));
    }

    [Fact]
    public void Down_and_drained_nodes_are_left()
    {
        var down = NewNode("d", status: NodeStatus.Down);
        var drained = NewNode("r", NodeAvailability.Drain);

        var unavailable = UnavailableNodes.Of(NewService(), [down, drained, NewNode("a")]);

        Assert.Equal(2, unavailable.Count);
        Assert.Equal("down", unavailable[down.Id]);
        Assert.Equal("drained", unavailable[drained.Id]);
    }

    [Fact]
    public void A_node_that_no_longer_satisfies_the_constraints_is_left_with_the_reason()
    {
        var service = NewService(new PlacementSpec { Constraints = ["node.labels.gpu==yes"] });
        var gpu = NewNode("g", labels: new() { ["gpu"] = "yes" });
        var plain = NewNode("p");

        var unavailable = UnavailableNodes.Of(service, [gpu, plain]);

        Assert.Equal([plain.Id], unavailable.Keys);
        Assert.StartsWith("no longer suitable (", unavailable[plain.Id], StringComparison.Ordinal);
    }
}
