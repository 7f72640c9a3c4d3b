using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>An operator changed the node's availability or labels.</summary>
public sealed record NodeSpecUpdated
{
    public Guid NodeId { get; init; }
    public NodeAvailability Availability { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset At { get; init; }
}
