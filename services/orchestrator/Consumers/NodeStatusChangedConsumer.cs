using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

/// <summary>
/// A node is no longer ready: global services lose its task and services with tasks on it move them.
/// A node becoming ready needs nothing here: it registered in the same transaction, and
/// <see cref="NodeRegisteredConsumer"/> gives global services their task on it.
/// </summary>
public sealed class NodeStatusChangedConsumer(ServiceReconciliation reconciliation) : IConsumer<NodeStatusChanged>
{
    public Task Consume(ConsumeContext<NodeStatusChanged> context) =>
        context.Message.Status == NodeStatus.Ready
            ? Task.CompletedTask
            : reconciliation.ReconcileAfterNodeChangeAsync(context.Message.NodeId, context.CancellationToken);
}
