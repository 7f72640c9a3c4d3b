using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Swarm.ControlApi.Hosting;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Security;
using Swarm.ServiceDefaults;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Api;

/// <summary>
/// The control API as its Program.cs starts it, on an isolated cluster's log and bus: its unix socket in a fresh
/// directory, a TLS endpoint and a plain health endpoint on loopback ports; clients for each.
/// </summary>
internal sealed class ControlApiHost : IAsyncDisposable
{
    private readonly string _dir;

    private ControlApiHost(WebApplication app, string dir, int tlsPort, int healthPort)
    {
        App = app;
        _dir = dir;
        TlsPort = tlsPort;
        HealthPort = healthPort;
    }

    public WebApplication App { get; }

    public string SocketPath => Path.Combine(_dir, "run", "control.sock");

    public int TlsPort { get; }

    public int HealthPort { get; }

    /// <summary>Starts one on <paramref name="cluster"/>, with the key-encryption key <paramref name="kek"/> (a new one when null; give the same to start it again on the same CA).</summary>
    public static async Task<ControlApiHost> StartAsync(IsolatedCluster cluster, string? kek = null, Dictionary<string, string?>? settings = null)
    {
        var dir = Directory.CreateTempSubdirectory("controlapi-test-").FullName;
        var tlsPort = LoopbackPorts.Free();
        var healthPort = LoopbackPorts.Free();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(cluster.Settings("controlapi"));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ControlApi:Socket"] = Path.Combine(dir, "run", "control.sock"),
            ["ControlApi:TlsUrl"] = $"https://127.0.0.1:{tlsPort}",
            ["ControlApi:HealthUrl"] = $"http://127.0.0.1:{healthPort}",
            ["Swarm:Ca:Key"] = kek ?? KeyEncryptionKey.Generate(),
            ["Swarm:Relay"] = "false",

            // the appsettings.json beside the tests may be the dispatcher's, with fixed ports and an HTTPS endpoint
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http1",
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddSwarmDefaults("controlapi");
        TestHosts.Quiet(builder.Logging);
        builder.AddControlApi();
        var app = builder.Build();
        app.MapSwarmDefaultEndpoints();
        app.MapControlApi();
        await app.StartAsync();
        return new ControlApiHost(app, dir, tlsPort, healthPort);
    }

    /// <summary>A client on the unix socket.</summary>
    public HttpClient Socket() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://localhost/") };

    public HttpClient Health() => new() { BaseAddress = new Uri($"http://127.0.0.1:{HealthPort}/") };

    /// <summary>A TLS client presenting <paramref name="certificate"/> (or none); it does not judge the server's.</summary>
    public HttpClient Tls(X509Certificate2? certificate) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        },
    })
    { BaseAddress = new Uri($"https://127.0.0.1:{TlsPort}/") };

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
