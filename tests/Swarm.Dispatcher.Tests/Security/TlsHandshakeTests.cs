using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Swarm.Dispatcher.Security;
using Swarm.Security;

namespace Swarm.Dispatcher.Tests.Security;

/// <summary>
/// The TLS handshakes themselves, on real sockets: Kestrel configured as the dispatcher configures its agent
/// endpoint, and the Raft transport's options between two replicas.
/// </summary>
public sealed class TlsHandshakeTests : IDisposable
{
    private readonly TestCa _ca = new();
    private readonly ClusterTrust _trust = new(TimeProvider.System);

    public TlsHandshakeTests()
    {
        _trust.Update(_ca.State, _ca.Issue("dispatcher-test", NodeRoles.Manager));
    }

    [Fact]
    public async Task The_agent_endpoint_admits_a_caller_without_a_certificate_and_one_with_a_node_certificate_of_this_cluster()
    {
        await using var app = await StartAsync();
        Assert.Equal("none", await GetAsync(app, null));

        var nodeId = Guid.NewGuid();
        var subject = await GetAsync(app, _ca.IssueNode(nodeId));
        Assert.Contains($"CN={nodeId}", subject);
        Assert.Contains($"O={_ca.ClusterId}", subject);
    }

    [Fact]
    public async Task A_self_signed_a_foreign_and_an_expired_certificate_fail_the_handshake()
    {
        await using var app = await StartAsync();
        var nodeId = Guid.NewGuid();

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new CertificateIdentity(nodeId.ToString(), NodeRoles.Worker, _ca.ClusterId).ToDistinguishedName(), key, HashAlgorithmName.SHA256);
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var selfSignedWithKey = X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pkcs12), null);
        using var other = new TestCa();
        var expired = _ca.Issue(nodeId.ToString(), NodeRoles.Worker, DateTimeOffset.UtcNow.AddDays(-3), TimeSpan.FromDays(1));

        foreach (var certificate in new[] { selfSignedWithKey, other.IssueNode(nodeId), expired })
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(app, certificate));
        }

        // and the endpoint still serves the real node
        Assert.Contains(nodeId.ToString(), await GetAsync(app, _ca.IssueNode(nodeId)));
    }

    [Fact]
    public async Task During_a_root_rotation_the_endpoint_presents_the_new_root_cross_signed_so_nodes_that_trust_only_the_old_root_accept_it()
    {
        var oldRoot = _ca.SigningRoot;
        _ca.StartRotation();
        var manager = _ca.Issue("dispatcher-test", NodeRoles.Manager);
        _trust.Update(_ca.State, manager);
        await using var app = await StartAsync();

        X509Certificate2? presented = null;
        var verifiedAgainstOldRoot = false;
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
        {
            presented = certificate as X509Certificate2;
            verifiedAgainstOldRoot = presented is not null
                && CertificateChains.Verify(presented, [oldRoot], DateTimeOffset.UtcNow, chain!.ChainPolicy.ExtraStore) is null;
            return verifiedAgainstOldRoot;
        };
        handler.SslOptions.ClientCertificates = [_ca.IssueNode(Guid.NewGuid())];
        using var client = new HttpClient(handler);
        Assert.Contains("swarm-worker", await client.GetStringAsync(new Uri(Address(app), "/who")));
        Assert.Equal(manager.SerialNumber, presented!.SerialNumber);
        Assert.True(verifiedAgainstOldRoot);
    }

    [Fact]
    public async Task A_renewed_manager_certificate_is_presented_from_the_next_connection_on()
    {
        await using var app = await StartAsync();
        var first = await PresentedSerialAsync(app);
        var renewed = _ca.Issue("dispatcher-test", NodeRoles.Manager);
        _trust.Update(_ca.State, renewed);
        Assert.NotEqual(first, renewed.SerialNumber);
        Assert.Equal(renewed.SerialNumber, await PresentedSerialAsync(app));
    }

    [Fact]
    public async Task Raft_replicas_accept_each_others_manager_certificates_only()
    {
        var peer = new ClusterTrust(TimeProvider.System);
        peer.Update(_ca.State, _ca.Issue("dispatcher-peer", NodeRoles.Manager));
        Assert.True(await RaftHandshakeAsync(_trust, peer));

        // a worker's certificate of this cluster, as a client and as a server
        var worker = new ClusterTrust(TimeProvider.System);
        worker.Update(_ca.State, _ca.IssueNode(Guid.NewGuid()));
        Assert.False(await RaftHandshakeAsync(_trust, worker));
        Assert.False(await RaftHandshakeAsync(worker, _trust));

        // a manager of another cluster
        using var other = new TestCa();
        var foreign = new ClusterTrust(TimeProvider.System);
        foreign.Update(_ca.State, other.Issue("dispatcher-foreign", NodeRoles.Manager));
        Assert.False(await RaftHandshakeAsync(_trust, foreign));
        Assert.False(await RaftHandshakeAsync(foreign, _trust));
    }

    /// <summary>Whether a Raft connection from <paramref name="clientTrust"/> to <paramref name="serverTrust"/> authenticates on both sides.</summary>
    private static async Task<bool> RaftHandshakeAsync(ClusterTrust serverTrust, ClusterTrust clientTrust)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var serverSide = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync(timeout.Token);
            await using var tls = new SslStream(accepted.GetStream());
            await tls.AuthenticateAsServerAsync(RaftTls.Create(serverTrust).ServerOptions, timeout.Token);
            await tls.WriteAsync(new byte[] { 1 }, timeout.Token);
            await tls.FlushAsync(timeout.Token);
        });

        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint, timeout.Token);
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsClientAsync(RaftTls.Create(clientTrust).ClientOptions, timeout.Token);
            var buffer = new byte[1];
            var read = await tls.ReadAsync(buffer, timeout.Token);
            await serverSide;
            return read == 1;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return false;
        }
        finally
        {
            try
            {
                await serverSide;
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
            }
        }
    }

    private async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // not the dispatcher's appsettings.json (copied next to the tests) with its endpoints
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http1AndHttp2;
            l.UseHttps(https => DispatcherTls.Configure(https, _trust));
        }));
        var app = builder.Build();
        app.MapGet("/who", (HttpContext context) => context.Connection.ClientCertificate?.Subject ?? "none");
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private async Task<string> GetAsync(WebApplication app, X509Certificate2? certificate)
    {
        using var handler = new SocketsHttpHandler();
        var roots = _ca.State.Roots;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, _) =>
            server is X509Certificate2 presented && CertificateChains.VerifyPeer(presented, roots, DateTimeOffset.UtcNow, NodeRoles.Manager, _ca.ClusterId) is null;
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
        }

        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        return await client.GetStringAsync(new Uri(Address(app), "/who"));
    }

    private static async Task<string> PresentedSerialAsync(WebApplication app)
    {
        string? serial = null;
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, _) =>
        {
            serial = (server as X509Certificate2)?.SerialNumber;
            return true;
        };
        using var client = new HttpClient(handler);
        await client.GetStringAsync(new Uri(Address(app), "/who"));
        return serial!;
    }

    public void Dispose() => _ca.Dispose();
}
