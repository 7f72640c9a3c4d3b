using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Allocator;

public sealed class TaskCreatedConsumer(NetworkAllocator allocator) : IConsumer<TaskCreated>
{
    public Task Consume(ConsumeContext<TaskCreated> context) => allocator.AllocateAsync(context.Message.TaskId, context.CancellationToken);
}
