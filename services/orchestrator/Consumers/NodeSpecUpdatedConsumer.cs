using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

/// <summary>
/// A node's availability or labels changed: a drained node's tasks move, tasks whose constraints the
/// node no longer satisfies are replaced elsewhere, and global services follow the node.
/// </summary>
public sealed class NodeSpecUpdatedConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeSpecUpdated>
{
    public Task Consume(ConsumeContext<NodeSpecUpdated> context) => reconciliation.ReconcileAfterNodeChangeAsync(context.Message.NodeId, context.CancellationToken);
}
