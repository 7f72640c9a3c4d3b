using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Swarm.Dispatcher;
using Swarm.Dispatcher.Api;
using Swarm.Dispatcher.Security;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Security;
using Swarm.Testing;

namespace Swarm.IntegrationTests.DispatcherSecurity;

/// <summary>
/// A dispatcher on the real log and broker of an <see cref="IsolatedCluster"/>, wired as its Program.cs wires it,
/// serving gRPC over real TLS on a loopback port (and plain HTTP on another), with the CA a test gives it (else the
/// cluster CA in the log's database). Clients connect with whatever certificate a test hands them.
/// </summary>
internal sealed class TlsDispatcher : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly List<GrpcChannel> _channels = [];

    private TlsDispatcher(WebApplication app, int grpcPort, int httpPort)
    {
        App = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
    }

    public WebApplication App { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public Uri GrpcAddress => new($"https://127.0.0.1:{GrpcPort}");

    public IDocumentStore Store => App.Services.GetRequiredService<IDocumentStore>();

    public ClusterTrust Trust => App.Services.GetRequiredService<ClusterTrust>();

    public static Dictionary<string, string?> Settings(int grpcPort, int httpPort) => new()
    {
        ["Kestrel:Endpoints:Grpc:Url"] = $"https://127.0.0.1:{grpcPort}",
        ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
        ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
        // the tests send heartbeats only when they mean to: nodes stay ready for a minute
        ["Dispatcher:HeartbeatPeriodSeconds"] = "20",
        ["Dispatcher:CaRefreshSeconds"] = "0.5",
        ["Dispatcher:RootRotationCheckSeconds"] = "0.5",
    };

    public static async Task<TlsDispatcher> StartAsync(IsolatedCluster cluster, ICertificateAuthority? ca, Dictionary<string, string?>? settings = null)
    {
        var grpcPort = LoopbackPorts.Free();
        var httpPort = LoopbackPorts.Free();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(cluster.Settings("dispatcher"));
        builder.Configuration.AddInMemoryCollection(Settings(grpcPort, httpPort));
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        TestHosts.Quiet(builder.Logging);
        // stopping the bus waits on the broker to cancel the temporary queue's consumer, up to the whole shutdown timeout
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        if (ca is not null)
        {
            builder.Services.AddSingleton(ca);
        }

        builder.AddDispatcher();
        TestHosts.WaitForTheBus(builder.Services);
        var app = builder.Build();
        app.MapDispatcher();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new TlsDispatcher(app, grpcPort, httpPort);
    }

    /// <summary>A channel to the agent endpoint presenting <paramref name="certificate"/> (none when null); it accepts only a manager certificate of the dispatcher's cluster.</summary>
    public GrpcChannel Channel(X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, chain, _) =>
            server is X509Certificate2 presented && Trust.Current is { } trust
            && CertificateChains.VerifyPeer(presented, trust.Ca.Roots, DateTimeOffset.UtcNow, NodeRoles.Manager, trust.Ca.ClusterId, chain?.ChainPolicy.ExtraStore) is null;
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
        }

        var channel = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { HttpHandler = handler });
        _channels.Add(channel);
        return channel;
    }

    public Swarm.Dispatcher.Api.Dispatcher.DispatcherClient Agent(X509Certificate2? certificate) => new(Channel(certificate));

    public NodeCA.NodeCAClient NodeCa(X509Certificate2? certificate) => new(Channel(certificate));

    /// <summary>Registers with <paramref name="certificate"/> once this replica leads.</summary>
    public async Task<RegisterResponse> RegisterAsync(X509Certificate2 certificate, string hostname, CancellationToken cancellationToken)
    {
        var client = Agent(certificate);
        RegisterResponse? registered = null;
        await Eventually.WaitAsync(async () =>
        {
            try
            {
                registered = await client.RegisterAsync(new RegisterRequest { Description = new NodeDescription { Hostname = hostname, Executor = "sim" } }, cancellationToken: cancellationToken);
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.Unavailable)
            {
                // not leading yet, or the CA and removed nodes not read yet
                return false;
            }
        }, ok => ok, Timeout, "registration with the leader");
        return registered!;
    }

    /// <summary>Opens the session stream and reads its session info and the first (empty) COMPLETE set.</summary>
    public static async Task<(AsyncServerStreamingCall<SessionMessage> Call, SessionInfo Info)> OpenSessionAsync(
        Swarm.Dispatcher.Api.Dispatcher.DispatcherClient client, string sessionId, CancellationToken cancellationToken)
    {
        var call = client.Session(new SessionRequest { SessionId = sessionId }, cancellationToken: cancellationToken);
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
        var info = call.ResponseStream.Current.Session ?? throw new InvalidOperationException("the stream did not start with the session info");
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
        Assert.Equal(AssignmentsMessage.Types.Type.Complete, call.ResponseStream.Current.Assignments.Type);
        return (call, info);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
