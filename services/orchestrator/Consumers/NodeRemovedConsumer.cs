using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

/// <summary>
/// A node was removed from the cluster: as for a node that went down, global services lose its task and
/// services with tasks on it replace them elsewhere (its agent is cut off, so they are orphaned).
/// </summary>
public sealed class NodeRemovedConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeRemoved>
{
    public Task Consume(ConsumeContext<NodeRemoved> context) => reconciliation.ReconcileAfterNodeChangeAsync(context.Message.NodeId, context.CancellationToken);
}
