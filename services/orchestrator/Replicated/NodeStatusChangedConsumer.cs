using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Orchestrator.Replicated;

/// <summary>When a node goes down, every service with a live task on it is reconciled (its tasks move).</summary>
public sealed class NodeStatusChangedConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeStatusChanged>
{
    public Task Consume(ConsumeContext<NodeStatusChanged> context) =>
        context.Message.Status == NodeStatus.Down
            ? reconciliation.ReconcileServicesOnNodeAsync(context.Message.NodeId, context.CancellationToken)
            : Task.CompletedTask;
}
