using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;

namespace Swarm.ControlApi.Nodes;

/// <summary>
/// A node as the API shows it. <see cref="Labels"/> are the agent's labels overlaid with the
/// operator's; <see cref="Tasks"/> counts the tasks on it that have not ended.
/// </summary>
public sealed record NodeView(
    Guid Id,
    string Hostname,
    NodeStatus Status,
    string StatusMessage,
    NodeAvailability Availability,
    string Role,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> AgentLabels,
    IReadOnlyDictionary<string, string> OperatorLabels,
    string Executor,
    string Os,
    string Architecture,
    long NanoCpus,
    long MemoryBytes,
    int Tasks,
    DateTimeOffset RegisteredAt,
    DateTimeOffset UpdatedAt)
{
    public static NodeView From(Node n, int tasks) => new(
        n.Id, n.Hostname, n.Status, n.StatusMessage, n.Availability, n.Description.Role, n.AllLabels(),
        n.Description.Labels, n.Labels, n.Description.Executor, n.Description.Os, n.Description.Architecture,
        n.Description.NanoCpus, n.Description.MemoryBytes, tasks, n.RegisteredAt, n.UpdatedAt);
}

/// <summary>Body of <c>POST /api/nodes/{idOrHostname}/update</c>; members left out keep their value.</summary>
public sealed record UpdateNodeRequest
{
    public NodeAvailability? Availability { get; init; }
    public IReadOnlyDictionary<string, string>? LabelAdd { get; init; }
    public IReadOnlyList<string>? LabelRemove { get; init; }
}
