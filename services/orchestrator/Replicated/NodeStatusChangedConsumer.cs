using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Orchestrator.Replicated;

/// <summary>
/// A node came up or went down: global services gain or lose its task, and services with tasks on a
/// node that is no longer ready move them. A node becoming ready only concerns global services.
/// </summary>
public sealed class NodeStatusChangedConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeStatusChanged>
{
    public Task Consume(ConsumeContext<NodeStatusChanged> context) =>
        context.Message.Status == NodeStatus.Ready
            ? reconciliation.ReconcileGlobalAsync(context.CancellationToken)
            : reconciliation.ReconcileAfterNodeChangeAsync(context.Message.NodeId, context.CancellationToken);
}
