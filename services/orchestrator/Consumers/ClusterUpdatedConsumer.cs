using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

/// <summary>A new task history limit applies to every service at once.</summary>
public sealed class ClusterUpdatedConsumer(ServiceReconciliation reconciliation) : IConsumer<ClusterUpdated>
{
    public Task Consume(ConsumeContext<ClusterUpdated> context) => reconciliation.ReconcileAllAsync(context.CancellationToken);
}
