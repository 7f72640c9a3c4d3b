using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Domain.Tasks;

namespace Swarm.Allocator.Consumers;

/// <summary>Tasks that ended give their addresses back, in batches.</summary>
public sealed class TaskStatusChangedConsumer(NetworkAllocator allocator) : IConsumer<Batch<TaskStatusChanged>>
{
    public async Task Consume(ConsumeContext<Batch<TaskStatusChanged>> context)
    {
        var ended = context.Message.Where(m => TaskStateMachine.IsTerminal(m.Message.State)).Select(m => m.Message.TaskId).ToList();
        if (ended.Count > 0)
        {
            await allocator.ReleaseManyAsync(ended, context.CancellationToken);
        }
    }
}
