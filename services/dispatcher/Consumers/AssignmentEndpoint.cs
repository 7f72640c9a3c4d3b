using MassTransit;

namespace Swarm.Dispatcher.Consumers;

/// <summary>
/// The queue of this process's own that task changes arrive on, so every replica sees every change: named
/// once per process; not durable, and the broker drops it (<c>x-expires</c>) once its consumer has gone.
/// </summary>
public sealed record AssignmentEndpoint(string Name)
{
    public static AssignmentEndpoint ForThisProcess() =>
        new($"dispatcher-assignments-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
}

/// <summary>
/// A consumer on the <see cref="AssignmentEndpoint"/>: a temporary queue, up to 400 messages prefetched and
/// handled at once. Every consumer there must derive from it, so the queue is declared the same way.
/// </summary>
public abstract class AssignmentEndpointDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected AssignmentEndpointDefinition(AssignmentEndpoint endpoint) =>
        Endpoint(e =>
        {
            e.Name = endpoint.Name;
            e.Temporary = true;
            e.PrefetchCount = 400;
            e.ConcurrentMessageLimit = 400;
        });
}
