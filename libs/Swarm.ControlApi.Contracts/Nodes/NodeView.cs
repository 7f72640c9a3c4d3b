using Swarm.Contracts.Model;

namespace Swarm.ControlApi.Contracts;

/// <summary>
/// A node as the API shows it. <see cref="Labels"/> are the agent's labels overlaid with the
/// operator's; <see cref="Tasks"/> counts the tasks on it that have not ended. <see cref="Certificate"/> is the
/// public facts of the node's latest certificate (null for a node that never presented one). Removed nodes
/// are never shown.
/// </summary>
public sealed record NodeView
{
    public Guid Id { get; init; }
    public string Hostname { get; init; } = "";
    public NodeStatus Status { get; init; }
    public string StatusMessage { get; init; } = "";
    public NodeAvailability Availability { get; init; }
    public string Role { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> AgentLabels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> OperatorLabels { get; init; } = new Dictionary<string, string>();
    public string Executor { get; init; } = "";
    public string Os { get; init; } = "";
    public string Architecture { get; init; } = "";
    public long NanoCpus { get; init; }
    public long MemoryBytes { get; init; }
    public int Tasks { get; init; }
    public DateTimeOffset RegisteredAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public NodeCertificateInfo? Certificate { get; init; }
}
