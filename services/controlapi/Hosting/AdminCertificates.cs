using System.Security.Cryptography.X509Certificates;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.ControlApi.Hosting;

/// <summary>
/// Checks an API client's certificate: chained to one of the cluster's roots (nothing else: not the machine's trust
/// store), role <c>swarm-manager</c> (an administrator's or a manager's), this cluster, valid now.
/// </summary>
public sealed class AdminCertificates(ClusterCa ca, TimeProvider time)
{
    /// <summary>Null when <paramref name="certificate"/> may use the API, else why not.</summary>
    public async Task<string?> VerifyAsync(X509Certificate2 certificate, IEnumerable<X509Certificate2> sentAlong, CancellationToken cancellationToken)
    {
        var state = await ca.CurrentAsync(cancellationToken);
        return Verify(state, certificate, sentAlong, time.GetUtcNow());
    }

    /// <summary>The check itself, against a known trust state (the TLS handshake has one at hand).</summary>
    /// <remarks>
    /// The locked identity (<see cref="ClusterCa.LockedIdentityName"/>) is refused: its key is sealed with the
    /// key-encryption key alone, so it proves no more than holding that key and the database.
    /// </remarks>
    public static string? Verify(CaState state, X509Certificate2 certificate, IEnumerable<X509Certificate2> sentAlong, DateTimeOffset now) =>
        CertificateIdentity.From(certificate) is { NodeId: ClusterCa.LockedIdentityName }
            ? "the locked identity of a locked manager is not an administrator's certificate"
            : CertificateChains.VerifyPeer(certificate, state.Roots, now, NodeRoles.Manager, state.ClusterId, [.. state.Intermediates, .. sentAlong]);
}
