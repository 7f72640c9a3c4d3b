using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

public sealed class ServiceRolledBackConsumer(ServiceReconciliation reconciliation) : IConsumer<ServiceRolledBack>
{
    public Task Consume(ConsumeContext<ServiceRolledBack> context) => reconciliation.ReconcileAsync(context.Message.ServiceId, context.CancellationToken);
}
