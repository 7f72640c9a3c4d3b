using Swarm.Contracts.Model;

namespace Swarm.Contracts.Commands;

/// <summary>Change a node's availability or labels. <see cref="Node"/> is its id or hostname.</summary>
public sealed record UpdateNode
{
    public Guid CommandId { get; init; }
    public string Node { get; init; } = "";
    public NodeAvailability? Availability { get; init; }
    public IReadOnlyDictionary<string, string>? LabelAdd { get; init; }
    public IReadOnlyList<string>? LabelRemove { get; init; }
}
