using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Dispatcher.Security;

namespace Swarm.Dispatcher.Consumers;

/// <summary>The cluster CA changed (a root rotation began or ended): read it now rather than at the end of the refresh period.</summary>
public sealed class ClusterCaChangedConsumer : IConsumer<ClusterCaChanged>
{
    private readonly ClusterTrust _trust;

    public ClusterCaChangedConsumer(ClusterTrust trust)
    {
        _trust = trust;
    }

    public Task Consume(ConsumeContext<ClusterCaChanged> context)
    {
        _trust.RequestRefresh();
        return Task.CompletedTask;
    }
}

/// <summary>On this process's own queue, so every replica hears of every change.</summary>
public sealed class ClusterCaChangedConsumerDefinition(AssignmentEndpoint endpoint) : AssignmentEndpointDefinition<ClusterCaChangedConsumer>(endpoint);
