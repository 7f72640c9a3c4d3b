using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Scheduler;

/// <summary>A task got its address and is pending: place it.</summary>
public sealed class TaskAllocatedConsumer(PlacementQueue scheduler) : IConsumer<TaskAllocated>
{
    public Task Consume(ConsumeContext<TaskAllocated> context) => scheduler.ScheduleAsync(context.Message.TaskId, context.CancellationToken);
}
