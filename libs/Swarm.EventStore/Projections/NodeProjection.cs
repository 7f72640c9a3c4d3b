using Marten.Events.Aggregation;
using Swarm.Contracts.Events;
using Swarm.Domain.Nodes;

namespace Swarm.EventStore.Projections;

/// <summary>Folds node streams with the domain aggregate's own Create/Apply; kept inline as the read model.</summary>
public sealed class NodeProjection : SingleStreamProjection<Node, Guid>
{
    public static Node Create(NodeRegistered e) => Node.Create(e);

    public static Node Apply(NodeRegistered e, Node current) => current.Apply(e);

    public static Node Apply(NodeStatusChanged e, Node current) => current.Apply(e);

    public static Node Apply(NodeSpecUpdated e, Node current) => current.Apply(e);

    public static Node Apply(NodeRemoved e, Node current) => current.Apply(e);

    public static Node Apply(NodeCertificateIssued e, Node current) => current.Apply(e);
}
