using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

public sealed class ServiceUpdatedConsumer(ServiceReconciliation reconciliation) : IConsumer<ServiceUpdated>
{
    public Task Consume(ConsumeContext<ServiceUpdated> context) => reconciliation.ReconcileAsync(context.Message.ServiceId, context.CancellationToken);
}
