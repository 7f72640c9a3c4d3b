using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Orchestrator.Replicated;

/// <summary>
/// A node came up or went down: global services gain or lose its task, and services with tasks on a
/// node that went down move them.
/// </summary>
public sealed class NodeStatusChangedConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeStatusChanged>
{
    public Task Consume(ConsumeContext<NodeStatusChanged> context) => reconciliation.ReconcileAfterNodeChangeAsync(context.Message.NodeId, context.CancellationToken);
}
