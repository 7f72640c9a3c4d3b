using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Orchestrator.Replicated;

/// <summary>A drained node's tasks move to other nodes.</summary>
public sealed class NodeSpecUpdatedConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeSpecUpdated>
{
    public Task Consume(ConsumeContext<NodeSpecUpdated> context) =>
        context.Message.Availability == NodeAvailability.Drain
            ? reconciliation.ReconcileServicesOnNodeAsync(context.Message.NodeId, context.CancellationToken)
            : Task.CompletedTask;
}
