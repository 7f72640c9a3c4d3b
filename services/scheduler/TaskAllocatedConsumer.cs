using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Scheduler;

/// <summary>Tasks got their addresses and are pending: place them (acknowledged once their round is written).</summary>
public sealed class TaskAllocatedConsumer(PlacementQueue scheduler) : IConsumer<TasksAllocated>
{
    public Task Consume(ConsumeContext<TasksAllocated> context) =>
        Task.WhenAll(context.Message.Events.Select(e => scheduler.ScheduleAsync(e.TaskId, context.CancellationToken)));
}
