using Swarm.Contracts.Model;

namespace Swarm.ControlApi.Contracts;

/// <summary>Body of <c>POST /api/nodes/{idOrHostname}/update</c>; members left out keep their value.</summary>
public sealed record UpdateNodeRequest
{
    public NodeAvailability? Availability { get; init; }
    public IReadOnlyDictionary<string, string>? LabelAdd { get; init; }
    public IReadOnlyList<string>? LabelRemove { get; init; }
}
