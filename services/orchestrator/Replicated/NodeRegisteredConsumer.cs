using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Orchestrator.Replicated;

/// <summary>A node joined: global services get a task on it.</summary>
public sealed class NodeRegisteredConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeRegistered>
{
    public Task Consume(ConsumeContext<NodeRegistered> context) => reconciliation.ReconcileAfterNodeChangeAsync(context.Message.NodeId, context.CancellationToken);
}
