using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Scheduler.Consumers;

/// <summary>A node's status changed: pending tasks may fit now.</summary>
public sealed class NodeStatusChangedConsumer(PlacementQueue scheduler) : IConsumer<NodeStatusChanged>
{
    public Task Consume(ConsumeContext<NodeStatusChanged> context) => scheduler.ScheduleAllPendingAsync(context.CancellationToken);
}
