using MassTransit;
using Swarm.Contracts.Events;

namespace Swarm.Scheduler.Consumers;

/// <summary>A node joined or came back: pending tasks may fit now.</summary>
public sealed class NodeRegisteredConsumer(PlacementQueue scheduler) : IConsumer<NodeRegistered>
{
    public Task Consume(ConsumeContext<NodeRegistered> context) => scheduler.ScheduleAllPendingAsync(context.CancellationToken);
}
