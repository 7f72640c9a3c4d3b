using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Dispatcher.Security;

namespace Swarm.Dispatcher.Consumers;

/// <summary>A node was removed: every replica refuses its certificate at once and the leader ends its session.</summary>
public sealed class NodeRemovedConsumer : IConsumer<NodeRemoved>
{
    private readonly RevocationService _revocation;

    public NodeRemovedConsumer(RevocationService revocation)
    {
        _revocation = revocation;
    }

    public Task Consume(ConsumeContext<NodeRemoved> context)
    {
        _revocation.Revoke(context.Message.NodeId);
        return Task.CompletedTask;
    }
}

/// <summary>On this process's own queue, so every replica hears of every removal.</summary>
public sealed class NodeRemovedConsumerDefinition(AssignmentEndpoint endpoint) : AssignmentEndpointDefinition<NodeRemovedConsumer>(endpoint);
