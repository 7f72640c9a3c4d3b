using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Nodes;

/// <summary>The node aggregate; also the node read model.</summary>
public sealed record Node
{
    public Guid Id { get; init; }
    public NodeDescription Description { get; init; } = new();
    public NodeStatus Status { get; init; } = NodeStatus.Unknown;
    public string StatusMessage { get; init; } = "";
    public NodeAvailability Availability { get; init; } = NodeAvailability.Active;

    /// <summary>Labels set by operators (<c>node update --label-add</c>).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset RegisteredAt { get; init; }

    /// <summary>Removed from the cluster: its certificate is refused.</summary>
    public bool Removed { get; init; }

    /// <summary>The public facts of the node's current certificate (null before mutual TLS).</summary>
    public NodeCertificateInfo? Certificate { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public string Hostname => Description.Hostname;

    public static Node Create(NodeRegistered e) => new()
    {
        Id = e.NodeId,
        Description = e.Description,
        Certificate = e.Certificate,
        RegisteredAt = e.At,
        UpdatedAt = e.At,
    };

    public Node Apply(NodeRegistered e) => this with { Description = e.Description, Certificate = e.Certificate ?? Certificate, UpdatedAt = e.At };

    public Node Apply(NodeCertificateIssued e) => this with { Certificate = e.Certificate, UpdatedAt = e.At };

    public Node Apply(NodeRemoved e) => this with { Removed = true, UpdatedAt = e.At };

    public Node Apply(NodeStatusChanged e) => this with { Status = e.Status, StatusMessage = e.Message, UpdatedAt = e.At };

    public Node Apply(NodeSpecUpdated e) => this with { Availability = e.Availability, Labels = e.Labels, UpdatedAt = e.At };

    /// <summary>Agent labels overlaid with operator labels.</summary>
    public IReadOnlyDictionary<string, string> AllLabels()
    {
        var all = new Dictionary<string, string>(Description.Labels);
        foreach (var (k, v) in Labels)
        {
            all[k] = v;
        }

        return all;
    }
}
