using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace Swarm.Worker.Ca;

/// <summary>
/// The agent's gRPC channels to a dispatcher: always TLS, the server's certificate checked by the caller's rule,
/// and, once the node has joined, its own certificate presented (mutual TLS).
/// </summary>
public static class DispatcherChannels
{
    /// <summary>
    /// The node's channel: it presents the node's current certificate (with the intermediates that go with it) and
    /// accepts only a dispatcher of its cluster chaining to its roots. A renewal takes effect in the channels made
    /// after it (see <see cref="Agent.DispatcherEndpoints.Reconnect"/>).
    /// </summary>
    public static GrpcChannel Mutual(Uri address, NodeCredentials credentials, TimeProvider time, ILogger logger, string hostname)
    {
        var node = credentials.Current;
        return Create(address, new ServerCheck(hostname, address, logger, (c, chain) => ServerCertificates.CheckDispatcher(c, chain, credentials.Current, time.GetUtcNow())),
            SslStreamCertificateContext.Create(node.Certificate, [.. node.Intermediates], offline: true));
    }

    /// <summary>A channel without a client certificate whose server <paramref name="check"/> accepts.</summary>
    public static GrpcChannel Create(Uri address, ServerCheck check, SslStreamCertificateContext? client = null)
    {
        if (address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"the dispatcher is reached over TLS: use https:// (not {address})", nameof(address));
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                SslOptions = new SslClientAuthenticationOptions
                {
                    ClientCertificateContext = client,
                    RemoteCertificateValidationCallback = (_, certificate, chain, _) => check.Accept(certificate, chain),
                },
            },
            HttpVersion = HttpVersion.Version20,
            MaxReceiveMessageSize = null,
            ThrowOperationCanceledOnCancellation = true,
        });
    }
}
