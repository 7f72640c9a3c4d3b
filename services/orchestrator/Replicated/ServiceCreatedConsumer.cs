using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Orchestrator.Replicated;

public sealed class ServiceCreatedConsumer(ServiceReconciliation reconciliation) : IConsumer<ServiceCreated>
{
    public Task Consume(ConsumeContext<ServiceCreated> context) => reconciliation.ReconcileAsync(context.Message.ServiceId, context.CancellationToken);
}
