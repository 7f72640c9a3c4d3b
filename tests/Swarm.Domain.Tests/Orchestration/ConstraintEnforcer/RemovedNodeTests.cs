using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Orchestration.ConstraintEnforcer;
using Swarm.Domain.Orchestration.Global;
using Swarm.Domain.Orchestration.Replicated;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Orchestration.ConstraintEnforcer;

/// <summary>A removed node is left as a down one is, even when it was removed (forced) while still ready.</summary>
public class RemovedNodeTests
{
    private static Node ReadyNode(string host) =>
        Node.Create(new NodeRegistered { NodeId = Guid.NewGuid(), Description = new NodeDescription { Hostname = host, Os = "linux", Architecture = "x86_64" }, At = Scenario.T0 })
            with { Status = NodeStatus.Ready };

    private static Node Removed(Node node) => node.Apply(new NodeRemoved { NodeId = node.Id, Hostname = node.Hostname, Forced = true, At = Scenario.T0 });

    [Fact]
    public void A_node_removed_while_ready_is_unavailable_as_removed()
    {
        var removed = Removed(ReadyNode("gone"));

        var unavailable = UnavailableNodes.Of(Scenario.NewService(2), [removed, ReadyNode("a")]);

        Assert.Equal("removed", Assert.Single(unavailable, kv => kv.Key == removed.Id).Value);
        Assert.Single(unavailable);
    }

    [Fact]
    public void A_replicated_task_on_a_removed_node_is_shut_down_and_replaced_in_its_slot()
    {
        var service = Scenario.NewService(1);
        var node = ReadyNode("gone");
        var tasks = Scenario.Run(Scenario.Apply(service, [], ReplicatedReconciler.Reconcile(service, [], new Dictionary<Guid, string>(), Scenario.T0), Scenario.T0), node.Id, 1);

        var plan = ReplicatedReconciler.Reconcile(service, tasks, UnavailableNodes.Of(service, [Removed(node)]), Scenario.T0);

        var change = Assert.Single(plan.Changes);
        Assert.Equal((tasks[0].Id, DesiredState.Shutdown, "node is removed"), (change.TaskId, change.DesiredState, change.Reason));
        var replacement = Assert.Single(plan.Create);
        Assert.Equal((1, 2), (replacement.Slot, replacement.Attempt));
    }

    [Fact]
    public void A_global_service_gets_no_task_on_a_removed_node_and_loses_the_one_it_had()
    {
        var service = Service.Create(new ServiceCreated { ServiceId = Guid.NewGuid(), Spec = ServiceSpecValidator.Normalize(new ServiceSpec { Name = "agent", Mode = "global", Command = ["sleep", "1d"] }), CreatedAt = Scenario.T0 });
        var kept = ReadyNode("a");
        var gone = ReadyNode("gone");
        var tasks = Scenario.Apply(service, [], GlobalReconciler.Reconcile(service, [], [kept, gone], Scenario.T0), Scenario.T0)
            .Select(t => t with { State = TaskState.Running }).ToList();

        var plan = GlobalReconciler.Reconcile(service, tasks, [kept, Removed(gone)], Scenario.T0);

        Assert.Empty(plan.Create);
        var change = Assert.Single(plan.Changes);
        Assert.Equal((tasks.Single(t => t.NodeId == gone.Id).Id, DesiredState.Shutdown, "node is removed"), (change.TaskId, change.DesiredState, change.Reason));
        Assert.Empty(GlobalReconciler.Reconcile(service, [], [Removed(ReadyNode("new"))], Scenario.T0).Create);
    }
}
