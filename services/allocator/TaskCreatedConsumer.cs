using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Allocator;

/// <summary>New tasks get their addresses in batches (many tasks, one transaction).</summary>
public sealed class TaskCreatedConsumer(NetworkAllocator allocator) : IConsumer<Batch<TaskCreated>>
{
    public Task Consume(ConsumeContext<Batch<TaskCreated>> context) =>
        allocator.AllocateAsync(context.Message.Select(m => m.Message.TaskId).ToList(), context.CancellationToken);
}
