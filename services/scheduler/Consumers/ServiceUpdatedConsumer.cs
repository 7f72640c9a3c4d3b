using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Scheduler.Consumers;

/// <summary>A service's spec changed: its pending tasks may fit now (or no longer).</summary>
public sealed class ServiceUpdatedConsumer(PlacementQueue scheduler) : IConsumer<ServiceUpdated>
{
    public Task Consume(ConsumeContext<ServiceUpdated> context) => scheduler.ScheduleAllPendingAsync(context.CancellationToken);
}
