using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Scheduler.Consumers;

/// <summary>Tasks got their addresses and are pending: place them (acknowledged once their round is written).</summary>
public sealed class TasksAllocatedConsumer(PlacementQueue scheduler) : IConsumer<TasksAllocated>
{
    public Task Consume(ConsumeContext<TasksAllocated> context) =>
        Task.WhenAll(context.Message.Events.Select(e => scheduler.ScheduleAsync(e.TaskId, context.CancellationToken)));
}
