using MassTransit;
using Swarm.Messaging;

namespace Swarm.Allocator.Consumers;

/// <summary>
/// New tasks are allocated one batch at a time (the allocator's lease cache is its own), with a
/// few batches prefetched. The queue keeps the name it had before the consumer was named after its batch
/// message (<c>allocator-task-created</c>), so a broker that has it does not keep a second, unread one.
/// </summary>
public sealed class TasksCreatedConsumerDefinition : ConsumerDefinition<TasksCreatedConsumer>
{
    public TasksCreatedConsumerDefinition(IConfiguration configuration) =>
        Endpoint(e =>
        {
            e.Name = $"{configuration.EndpointPrefix()}-task-created";
            e.PrefetchCount = 16;
            e.ConcurrentMessageLimit = 1;
        });
}
