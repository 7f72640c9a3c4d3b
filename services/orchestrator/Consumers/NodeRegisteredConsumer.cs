using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

/// <summary>A node joined (or registered again): global services get a task on it.</summary>
public sealed class NodeRegisteredConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeRegistered>
{
    public Task Consume(ConsumeContext<NodeRegistered> context) => reconciliation.ReconcileGlobalAsync(context.CancellationToken);
}
