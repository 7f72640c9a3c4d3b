using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>An agent registered (first time or again after a restart) with this description.</summary>
public sealed record NodeRegistered
{
    public Guid NodeId { get; init; }
    public NodeDescription Description { get; init; } = new();
    public DateTimeOffset At { get; init; }
}
