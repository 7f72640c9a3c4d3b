using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

public sealed class ServiceCreatedConsumer(ServiceReconciliation reconciliation) : IConsumer<ServiceCreated>
{
    public Task Consume(ConsumeContext<ServiceCreated> context) => reconciliation.ReconcileAsync(context.Message.ServiceId, context.CancellationToken);
}
