using Swarm.ControlApi.Contracts;
using Swarm.Domain.Nodes;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.ControlApi.Cluster;

/// <summary>The answers of <c>/api/cluster/ca</c>: public parts of the trust state, and how far a root rotation got.</summary>
public static class CaViews
{
    public static CaView From(CaState state, IEnumerable<Node> nodes) => new()
    {
        ClusterId = state.ClusterId,
        Roots = [.. state.Roots.Select(r => new CaRootView { Fingerprint = Fingerprints.Sha256(r), Subject = r.Subject, NotAfter = r.NotAfter.ToUniversalTime() })],
        NodeCertExpirySeconds = (long)state.NodeCertExpiry.TotalSeconds,
        Rotation = state.RotationStartedAt is { } started ? Progress(started, state.RootFingerprints[0], nodes) : null,
    };

    /// <summary>
    /// The nodes not removed, and those of them whose certificate the signing (new) root issued: a rotation is
    /// done when every node renewed.
    /// </summary>
    public static CaRotationView Progress(DateTimeOffset startedAt, string signingRoot, IEnumerable<Node> nodes)
    {
        var members = nodes.Where(n => !n.Removed).ToList();
        return new CaRotationView
        {
            StartedAt = startedAt,
            NodesTotal = members.Count,
            NodesRenewed = members.Count(n => string.Equals(n.Certificate?.IssuerFingerprint, signingRoot, StringComparison.OrdinalIgnoreCase)),
        };
    }
}
