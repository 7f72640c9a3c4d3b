using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Orchestrator.Replicated;

/// <summary>A node joined (or registered again): global services get a task on it.</summary>
public sealed class NodeRegisteredConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeRegistered>
{
    public Task Consume(ConsumeContext<NodeRegistered> context) => reconciliation.ReconcileGlobalAsync(context.CancellationToken);
}
