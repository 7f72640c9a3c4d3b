using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Domain.Tasks;
using Swarm.Orchestrator.Reconciliation;

namespace Swarm.Orchestrator.Consumers;

/// <summary>A task that ended may need a replacement (restart policy).</summary>
public sealed class TaskStatusChangedConsumer(ServiceReconciliation reconciliation) : IConsumer<TaskStatusChanged>
{
    public Task Consume(ConsumeContext<TaskStatusChanged> context) =>
        TaskStateMachine.IsTerminal(context.Message.State)
            ? reconciliation.ReconcileAsync(context.Message.ServiceId, context.CancellationToken)
            : Task.CompletedTask;
}
