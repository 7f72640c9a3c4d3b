using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Allocator.Consumers;

/// <summary>New tasks get their addresses in batches (many tasks, one transaction).</summary>
public sealed class TasksCreatedConsumer(NetworkAllocator allocator) : IConsumer<TasksCreated>
{
    public Task Consume(ConsumeContext<TasksCreated> context) =>
        allocator.AllocateAsync(context.Message.Events.Select(e => e.TaskId).ToList(), context.CancellationToken);
}
