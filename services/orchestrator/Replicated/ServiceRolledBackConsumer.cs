using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Orchestrator.Replicated;

public sealed class ServiceRolledBackConsumer(ServiceReconciliation reconciliation) : IConsumer<ServiceRolledBack>
{
    public Task Consume(ConsumeContext<ServiceRolledBack> context) => reconciliation.ReconcileAsync(context.Message.ServiceId, context.CancellationToken);
}
