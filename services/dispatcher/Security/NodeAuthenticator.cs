using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Swarm.Security;

namespace Swarm.Dispatcher.Security;

/// <summary>A caller whose client certificate was verified: the node it names and the certificate itself.</summary>
public sealed record AuthenticatedNode(Guid NodeId, CertificateIdentity Identity, X509Certificate2 Certificate);

/// <summary>
/// Who is calling: the peer certificate of the call's TLS connection (verified in the handshake), verified again
/// now — the connection may be older than a root rotation's end or the certificate's expiry — against the
/// cluster's roots, its cluster id and node roles, and checked against the removed nodes. The node id used for
/// every decision is the certificate's CN, never a field of a request.
/// </summary>
public sealed class NodeAuthenticator
{
    private readonly ClusterTrust _trust;
    private readonly RevokedNodes _revoked;

    // A connection presents the same certificate object on every call: its chain, verified once against a trust
    // snapshot, need not be built again (X509Chain.Build on every heartbeat cost a tenth of a core per 1,000 nodes).
    // A new snapshot (roots changed) or the certificate's expiry verifies it again; revocation is checked every call.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, TrustSnapshot> _verified = new();

    public NodeAuthenticator(ClusterTrust trust, RevokedNodes revoked)
    {
        _trust = trust;
        _revoked = revoked;
    }

    /// <summary>The calling node; throws UNAUTHENTICATED (no or an invalid certificate) or PERMISSION_DENIED (a removed node).</summary>
    public AuthenticatedNode Authenticate(ServerCallContext context) =>
        Authenticate(context.GetHttpContext().Connection.ClientCertificate);

    public AuthenticatedNode Authenticate(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "a client certificate issued by this cluster's CA is needed (join the cluster with a join token first)"));
        }

        if (_trust.Current is null || !_revoked.Loaded)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "this dispatcher has not read the cluster's CA and removed nodes yet; try again"));
        }

        var snapshot = _trust.Current;
        var fresh = _verified.TryGetValue(certificate, out var verifiedWith) && ReferenceEquals(verifiedWith, snapshot)
            && certificate.NotAfter.ToUniversalTime() > DateTime.UtcNow;
        if (!fresh)
        {
            if (_trust.VerifyPeer(certificate) is { } problem)
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, $"the client certificate is refused: {problem}"));
            }

            _verified.AddOrUpdate(certificate, snapshot);
        }

        var identity = CertificateIdentity.From(certificate)!;
        if (!Guid.TryParse(identity.NodeId, out var nodeId) || nodeId == Guid.Empty)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"the client certificate names '{identity.NodeId}', which is not a node"));
        }

        if (_revoked.Contains(nodeId))
        {
            throw Removed(nodeId);
        }

        return new AuthenticatedNode(nodeId, identity, certificate);
    }

    public static RpcException Removed(Guid nodeId) =>
        new(new Status(StatusCode.PermissionDenied, $"node {nodeId} was removed from the cluster"));
}
