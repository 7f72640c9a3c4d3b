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
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// Removed from the cluster (<c>node rm</c>): its certificate is revoked and it is no longer a node of the
    /// cluster. The document stays (the log keeps its history) but every reader leaves it out. Final: nothing
    /// brings a removed node back (see <see cref="Apply(NodeRegistered)"/>).
    /// </summary>
    public bool Removed { get; init; }
    public DateTimeOffset? RemovedAt { get; init; }

    /// <summary>The public facts of the node's latest certificate (null before mutual TLS).</summary>
    public NodeCertificateInfo? Certificate { get; init; }

    public string Hostname => Description.Hostname;

    public static Node Create(NodeRegistered e) => new()
    {
        Id = e.NodeId,
        Description = e.Description,
        Certificate = e.Certificate,
        RegisteredAt = e.At,
        UpdatedAt = e.At,
    };

    /// <summary>
    /// A registration again (after an agent restart). A removed node stays removed: the dispatcher refuses a
    /// removed node's registration, but a registration that was decided before the removal and reached the log
    /// after it (or a dispatcher that lost the race) must not bring the node back into the cluster, so it only
    /// refreshes the description and certificate of the record.
    /// </summary>
    public Node Apply(NodeRegistered e) => this with
    {
        Description = e.Description,
        Certificate = e.Certificate ?? Certificate,
        UpdatedAt = e.At,
    };

    public Node Apply(NodeStatusChanged e) => this with { Status = e.Status, StatusMessage = e.Message, UpdatedAt = e.At };

    public Node Apply(NodeSpecUpdated e) => this with { Availability = e.Availability, Labels = e.Labels, UpdatedAt = e.At };

    /// <summary>Removed: the first removal's time is kept (a removal delivered again changes nothing).</summary>
    public Node Apply(NodeRemoved e) => Removed
        ? this
        : this with { Removed = true, RemovedAt = e.At, UpdatedAt = e.At };

    public Node Apply(NodeCertificateIssued e) => this with { Certificate = e.Certificate, UpdatedAt = e.At };

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
