using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Orchestrator.Replicated;

public sealed class ServiceRemovedConsumer(ServiceReconciliation reconciliation) : IConsumer<ServiceRemoved>
{
    public Task Consume(ConsumeContext<ServiceRemoved> context) => reconciliation.ReconcileAsync(context.Message.ServiceId, context.CancellationToken);
}
