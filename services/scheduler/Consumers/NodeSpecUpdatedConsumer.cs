using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Scheduler.Consumers;

/// <summary>A node's availability or labels changed: pending tasks may fit now.</summary>
public sealed class NodeSpecUpdatedConsumer(PlacementQueue scheduler) : IConsumer<NodeSpecUpdated>
{
    public Task Consume(ConsumeContext<NodeSpecUpdated> context) => scheduler.ScheduleAllPendingAsync(context.CancellationToken);
}
