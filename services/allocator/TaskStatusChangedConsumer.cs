using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Domain.Tasks;

namespace Swarm.Allocator;

/// <summary>A task that ended gives its address back.</summary>
public sealed class TaskStatusChangedConsumer(NetworkAllocator allocator) : IConsumer<TaskStatusChanged>
{
    public Task Consume(ConsumeContext<TaskStatusChanged> context) =>
        TaskStateMachine.IsTerminal(context.Message.State)
            ? allocator.ReleaseAsync(context.Message.TaskId, context.CancellationToken)
            : Task.CompletedTask;
}
