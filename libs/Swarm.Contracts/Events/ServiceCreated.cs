using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

public sealed record ServiceCreated
{
    public Guid ServiceId { get; init; }
    public ServiceSpec Spec { get; init; } = new();
    public DateTimeOffset CreatedAt { get; init; }
}
