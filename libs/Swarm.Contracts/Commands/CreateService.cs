using Swarm.Contracts.Model;

namespace Swarm.Contracts.Commands;

/// <summary>Create a service. Answered with <see cref="CommandAccepted"/> or <see cref="CommandRejected"/>.</summary>
public sealed record CreateService
{
    public Guid CommandId { get; init; }
    public ServiceSpec Spec { get; init; } = new();
}
