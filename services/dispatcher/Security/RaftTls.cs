using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using DotNext.Net.Security;
using Swarm.Security;

namespace Swarm.Dispatcher.Security;

/// <summary>
/// TLS between dispatcher replicas on the Raft port: each side presents its manager certificate (the one
/// <see cref="ClusterTrust"/> holds now, so a renewed certificate is used from the next connection on) and accepts
/// the other only when it is a <c>swarm-manager</c> certificate of this cluster, chained to the cluster's roots and
/// valid now. The machine's trust store and host names play no part.
/// </summary>
public static class RaftTls
{
    public static SslOptions Create(ClusterTrust trust)
    {
        var options = new SslOptions();
        var server = options.ServerOptions;
        server.ServerCertificateSelectionCallback = (_, _) => Presented(trust);
        server.ClientCertificateRequired = true;
        server.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        server.RemoteCertificateValidationCallback = (_, certificate, _, _) => IsManager(trust, certificate);

        var client = options.ClientOptions;
        client.LocalCertificateSelectionCallback = (_, _, _, _, _) => Presented(trust);
        client.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        client.RemoteCertificateValidationCallback = (_, certificate, _, _) => IsManager(trust, certificate);
        client.TargetHost = NodeRoles.Manager;
        return options;
    }

    /// <summary>Whether <paramref name="certificate"/> is a manager's of this cluster, valid now.</summary>
    public static bool IsManager(ClusterTrust trust, X509Certificate? certificate) =>
        certificate is X509Certificate2 peer && trust.VerifyPeer(peer, NodeRoles.Manager) is null;

    private static X509Certificate2 Presented(ClusterTrust trust) =>
        trust.Current?.ManagerCertificate ?? throw new InvalidOperationException("no manager certificate yet: the cluster CA has not been read");
}
