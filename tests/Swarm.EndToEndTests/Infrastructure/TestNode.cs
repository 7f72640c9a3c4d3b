using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Net.Client;
using Swarm.Dispatcher.Api;
using Swarm.Security;

namespace Swarm.EndToEndTests.Infrastructure;

/// <summary>
/// A node of the test's own making: joins with a token the way an agent does (pin the root by the token's digest,
/// send a signing request, keep the key) and then speaks the agent protocol over mutual TLS as itself — or with
/// whatever certificate a test hands it.
/// </summary>
public sealed class TestNode : IDisposable
{
    private TestNode(string nodeId, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> roots, GrpcChannel channel)
    {
        NodeId = nodeId;
        Certificate = certificate;
        Roots = roots;
        Channel = channel;
        Dispatcher = new Dispatcher.Api.Dispatcher.DispatcherClient(channel);
    }

    public string NodeId { get; }
    public X509Certificate2 Certificate { get; }
    public IReadOnlyList<X509Certificate2> Roots { get; }
    public GrpcChannel Channel { get; }
    public Dispatcher.Api.Dispatcher.DispatcherClient Dispatcher { get; }

    /// <summary>The cluster's roots as any dispatcher hands them out, checked against the token's digest.</summary>
    public static async Task<IReadOnlyList<X509Certificate2>> PinnedRootsAsync(string dispatcherUrl, string token)
    {
        Assert.True(JoinToken.TryParse(token, out var parsed, out var error), error);
        using var insecure = Open(dispatcherUrl, null, (_, _) => true);
        var answer = await new NodeCA.NodeCAClient(insecure).GetRootCACertificateAsync(new GetRootCACertificateRequest());
        var roots = answer.Roots.Select(r => X509CertificateLoader.LoadCertificate(r.ToByteArray())).ToList();
        Assert.Contains(roots, parsed.Pins);
        return roots;
    }

    /// <summary>Joins with <paramref name="token"/>: a new node id and its certificate.</summary>
    public static async Task<TestNode> JoinAsync(string dispatcherUrl, string token)
    {
        var roots = await PinnedRootsAsync(dispatcherUrl, token);
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var joining = Open(dispatcherUrl, null, VerifyManager(roots));
            var issued = await new NodeCA.NodeCAClient(joining).IssueNodeCertificateAsync(new IssueNodeCertificateRequest { Csr = ByteString.CopyFrom(csr), Token = token });
            using var leaf = X509CertificateLoader.LoadCertificate(issued.Certificate.ToByteArray());
            using var withKey = leaf.CopyWithPrivateKey(key);
            var certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
            var trusted = issued.Roots.Select(r => X509CertificateLoader.LoadCertificate(r.ToByteArray())).ToList();
            return new TestNode(issued.NodeId, certificate, trusted, Open(dispatcherUrl, certificate, VerifyManager(trusted)));
        }
    }

    /// <summary>A channel that presents <paramref name="certificate"/> (or none) and trusts a dispatcher of <paramref name="roots"/>.</summary>
    public static GrpcChannel Open(string dispatcherUrl, X509Certificate2? certificate, IReadOnlyList<X509Certificate2> roots) =>
        Open(dispatcherUrl, certificate, VerifyManager(roots));

    private static Func<X509Certificate2, X509Chain?, bool> VerifyManager(IReadOnlyList<X509Certificate2> roots) =>
        (cert, chain) => CertificateChains.VerifyPeer(cert, roots, DateTimeOffset.UtcNow, NodeRoles.Manager, null,
            chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>().ToList()) is null;

    private static GrpcChannel Open(string dispatcherUrl, X509Certificate2? certificate, Func<X509Certificate2, X509Chain?, bool> verifyServer)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, chain, _) => cert is X509Certificate2 c && verifyServer(c, chain),
        };
        if (certificate is not null)
        {
            ssl.ClientCertificates = [certificate];
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        return GrpcChannel.ForAddress(dispatcherUrl, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = ssl, ConnectTimeout = TimeSpan.FromSeconds(5) },
            HttpVersion = HttpVersion.Version20,
        });
    }

    public void Dispose()
    {
        Channel.Dispose();
        Certificate.Dispose();
    }
}
