using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Nodes;

public class NodeDecisionsRemoveTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static Node NewNode(NodeStatus status) =>
        Node.Create(new NodeRegistered { NodeId = Guid.NewGuid(), Description = new NodeDescription { Hostname = "worker-1" }, At = T0 })
            .Apply(new NodeStatusChanged { Status = status, Message = "test", At = T0 });

    [Fact]
    public void A_ready_node_is_refused_without_force_and_nothing_is_appended()
    {
        var decision = NodeDecisions.Remove(NewNode(NodeStatus.Ready), "worker-1", force: false, T0);

        Assert.Empty(decision.Events);
        Assert.Equal(Rejection.Conflict, decision.Rejected!.Code);
        Assert.Equal("node", decision.Rejected.Error.Field);
        Assert.Equal("node worker-1 is ready: drain it and stop its agent first, or use --force", decision.Rejected.Error.Reason);
    }

    [Fact]
    public void A_ready_node_is_removed_with_force_and_the_removal_says_it_was_forced()
    {
        var node = NewNode(NodeStatus.Ready);

        var decision = NodeDecisions.Remove(node, "worker-1", force: true, T0.AddMinutes(1));

        Assert.False(decision.IsRejected);
        var removed = Assert.IsType<NodeRemoved>(Assert.Single(decision.Events));
        Assert.Equal((node.Id, "worker-1", true, T0.AddMinutes(1)), (removed.NodeId, removed.Hostname, removed.Forced, removed.At));
    }

    [Theory]
    [InlineData(NodeStatus.Down, false)]
    [InlineData(NodeStatus.Disconnected, false)]
    [InlineData(NodeStatus.Unknown, false)]
    [InlineData(NodeStatus.Down, true)]
    public void A_node_that_is_not_ready_is_removed_without_being_forced(NodeStatus status, bool force)
    {
        var node = NewNode(status);

        var removed = Assert.IsType<NodeRemoved>(Assert.Single(NodeDecisions.Remove(node, node.Id.ToString(), force, T0).Events));

        Assert.Equal((node.Id, false), (removed.NodeId, removed.Forced));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_removed_node_is_not_found(bool force)
    {
        var node = NewNode(NodeStatus.Down).Apply(new NodeRemoved { NodeId = Guid.Empty, Hostname = "worker-1", At = T0 });

        var decision = NodeDecisions.Remove(node, "worker-1", force, T0);

        Assert.Empty(decision.Events);
        Assert.Equal((Rejection.NotFound, "node", "no node 'worker-1'"), (decision.Rejected!.Code, decision.Rejected.Error.Field, decision.Rejected.Error.Reason));
    }

    [Fact]
    public void A_node_that_does_not_exist_is_not_found()
    {
        var decision = NodeDecisions.Remove(null, "ghost", force: true, T0);

        Assert.Equal((Rejection.NotFound, "node"), (decision.Rejected!.Code, decision.Rejected.Error.Field));
    }
}
