using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

public sealed class ServiceRemovedConsumer(ServiceReconciliation reconciliation) : IConsumer<ServiceRemoved>
{
    public Task Consume(ConsumeContext<ServiceRemoved> context) => reconciliation.ReconcileAsync(context.Message.ServiceId, context.CancellationToken);
}
