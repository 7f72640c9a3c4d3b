using Swarm.Contracts.Model;

namespace Swarm.Contracts.Commands;

/// <summary>Create a network. Answered with <see cref="CommandAccepted"/> or <see cref="CommandRejected"/>.</summary>
public sealed record CreateNetwork
{
    public Guid CommandId { get; init; }
    public NetworkSpec Spec { get; init; } = new();
}
