using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Orchestrator.Replicated;

public sealed class ServiceUpdatedConsumer(ServiceReconciliation reconciliation) : IConsumer<ServiceUpdated>
{
    public Task Consume(ConsumeContext<ServiceUpdated> context) => reconciliation.ReconcileAsync(context.Message.ServiceId, context.CancellationToken);
}
