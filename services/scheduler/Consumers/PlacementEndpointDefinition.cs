using MassTransit;
using Swarm.Messaging;

namespace Swarm.Scheduler.Consumers;

/// <summary>
/// Every scheduler consumer reads the one queue <c>PREFIX-placement</c>, with enough messages in flight that
/// every request waiting for a round joins the next one: node changes come one per message, allocated
/// tasks in batches of up to 500 (the relay's).
/// </summary>
public sealed class PlacementEndpointDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    public PlacementEndpointDefinition(IConfiguration configuration) =>
        Endpoint(e =>
        {
            e.Name = $"{configuration.EndpointPrefix()}-placement";
            e.PrefetchCount = PlacementQueue.MaxRound;
            e.ConcurrentMessageLimit = PlacementQueue.MaxRound;
        });
}
