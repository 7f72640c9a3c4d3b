using System.Security.Cryptography.X509Certificates;
using Swarm.Security;

namespace Swarm.Worker.Ca;

/// <summary>
/// How the agent checks the dispatcher's TLS certificate. Certificates name roles and nodes, not hosts, so the
/// host name plays no part, and neither does the machine's trust store: only the cluster's roots count.
/// </summary>
public static class ServerCertificates
{
    /// <summary>
    /// Before it joins: null when the server's certificate is a manager's chaining to a root the join token pins
    /// (one the server sent, or one of <paramref name="pinnedRoots"/>, fetched earlier and checked against the
    /// token); else why not. A server of another CA — a man in the middle — is refused.
    /// </summary>
    public static string? CheckPinned(X509Certificate? certificate, X509Chain? chain, JoinToken token, IEnumerable<X509Certificate2> pinnedRoots, DateTimeOffset now)
    {
        if (Leaf(certificate) is not { } leaf)
        {
            return "it presented no certificate";
        }

        var presented = Presented(leaf, chain);
        List<X509Certificate2> roots = [.. pinnedRoots.Concat(presented).Where(token.Pins)];
        if (roots.Count == 0)
        {
            return "its chain does not end at the root the join token pins";
        }

        return CertificateChains.VerifyPeer(leaf, roots, now, NodeRoles.Manager, clusterId: null, presented) is { } problem
            ? $"it does not chain to the root the join token pins: {problem}"
            : null;
    }

    /// <summary>Once joined: null when the server is a manager of this node's cluster, chaining to the node's roots; else why not.</summary>
    public static string? CheckDispatcher(X509Certificate? certificate, X509Chain? chain, NodeCertificate node, DateTimeOffset now)
    {
        if (Leaf(certificate) is not { } leaf)
        {
            return "it presented no certificate";
        }

        return CertificateChains.VerifyPeer(leaf, node.Roots, now, NodeRoles.Manager, node.Identity.ClusterId, Presented(leaf, chain));
    }

    /// <summary>The certificates the server sent along with its own (and those the platform chained them with).</summary>
    public static IReadOnlyList<X509Certificate2> Presented(X509Certificate2 leaf, X509Chain? chain)
    {
        if (chain is null)
        {
            return [];
        }

        var all = chain.ChainPolicy.ExtraStore.Concat(chain.ChainElements.Select(e => e.Certificate));
        return [.. all.Where(c => !c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)).DistinctBy(c => c.Thumbprint)];
    }

    private static X509Certificate2? Leaf(X509Certificate? certificate) => certificate switch
    {
        null => null,
        X509Certificate2 c => c,
        _ => X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()),
    };
}
