using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Swarm.Dispatcher.Api;
using Swarm.Security;

namespace Swarm.Worker.Tests.Ca;

/// <summary>
/// A dispatcher and its CA in process, on loopback TLS (Kestrel): admits nodes with the join token, renews their
/// certificates, holds sessions and notes the client certificate of every call. The certificate it presents and
/// the roots it serves are the test's choice, so it can play a man in the middle too.
/// </summary>
public sealed class TestDispatcher : IAsyncDisposable
{
    private WebApplication _app = null!;
    private int _sessions;

    private TestDispatcher(RootCa ca, JoinToken token, IReadOnlyList<X509Certificate2> roots)
    {
        Ca = ca;
        Token = token;
        Roots = roots;
    }

    public RootCa Ca { get; }
    public JoinToken Token { get; }
    public IReadOnlyList<X509Certificate2> Roots { get; }
    public TimeSpan Validity { get; set; } = TimeSpan.FromDays(90);
    public Uri Address { get; private set; } = null!;
    public volatile bool Removed;
    public volatile bool RenewalsFail;

    public ConcurrentQueue<string> Joins { get; } = new();
    public ConcurrentQueue<string> Renewals { get; } = new();
    public ConcurrentQueue<string> Registrations { get; } = new();

    /// <summary>The thumbprint of the client certificate of every heartbeat, in order.</summary>
    public ConcurrentQueue<string> HeartbeatCertificates { get; } = new();

    public int OpenSessions => Volatile.Read(ref _sessions);

    /// <summary>Tasks the session's COMPLETE set assigns.</summary>
    public List<Assignment> Assigned { get; } = [];

    /// <summary>The secret and config values sent with the complete set.</summary>
    public List<SecretValue> Values { get; } = [];

    /// <summary>
    /// Starts on a free loopback port, presenting <paramref name="serverCertificate"/> and serving <paramref name="roots"/>
    /// (by default the CA's); certificates it issues are <paramref name="ca"/>'s.
    /// </summary>
    public static async Task<TestDispatcher> StartAsync(RootCa ca, X509Certificate2 serverCertificate, IReadOnlyList<X509Certificate2>? roots = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = serverCertificate;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.AllowAnyClientCertificate();
            });
        }));
        builder.Services.AddGrpc();
        var dispatcher = new TestDispatcher(ca, JoinToken.Create(ca.Certificate), roots ?? [ca.Certificate]);
        builder.Services.AddSingleton(dispatcher);
        var app = builder.Build();
        app.MapGrpcService<CaService>();
        app.MapGrpcService<DispatcherService>();
        await app.StartAsync();
        dispatcher._app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        dispatcher.Address = new Uri(address);
        return dispatcher;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The node a call comes from: its client certificate, checked against the CA.</summary>
    private CertificateIdentity Caller(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null || CertificateChains.Verify(certificate, Roots, DateTimeOffset.UtcNow) is not null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a client certificate of this cluster is needed"));
        }

        if (Removed)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "node removed from the cluster"));
        }

        return CertificateIdentity.From(certificate)!;
    }

    private NodeCertificateResponse Issue(ByteString csr, CertificateIdentity identity)
    {
        using var issued = Ca.Issue(csr.ToByteArray(), identity, DateTimeOffset.UtcNow, Validity);
        var answer = new NodeCertificateResponse { NodeId = identity.NodeId, Role = identity.Role, Certificate = ByteString.CopyFrom(issued.RawData) };
        answer.Roots.AddRange(Roots.Select(r => ByteString.CopyFrom(r.RawData)));
        return answer;
    }

    private sealed class CaService(TestDispatcher d) : NodeCA.NodeCABase
    {
        public override Task<NodeCertificateResponse> IssueNodeCertificate(IssueNodeCertificateRequest request, ServerCallContext context)
        {
            if (!d.Token.HasSecret(JoinToken.TryParse(request.Token, out var token, out _) ? token.Secret : ""))
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, "the join token is not valid"));
            }

            var nodeId = $"node-{d.Joins.Count + 1}";
            d.Joins.Enqueue(nodeId);
            return Task.FromResult(d.Issue(request.Csr, new CertificateIdentity(nodeId, NodeRoles.Worker, TestCa.ClusterId)));
        }

        public override Task<NodeCertificateResponse> RenewNodeCertificate(RenewNodeCertificateRequest request, ServerCallContext context)
        {
            var caller = d.Caller(context);
            if (d.RenewalsFail)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "the CA is down"));
            }

            d.Renewals.Enqueue(caller.NodeId);
            return Task.FromResult(d.Issue(request.Csr, caller));
        }

        public override Task<GetRootCACertificateResponse> GetRootCACertificate(GetRootCACertificateRequest request, ServerCallContext context)
        {
            var answer = new GetRootCACertificateResponse();
            answer.Roots.AddRange(d.Roots.Select(r => ByteString.CopyFrom(r.RawData)));
            return Task.FromResult(answer);
        }
    }

    private sealed class DispatcherService(TestDispatcher d) : Swarm.Dispatcher.Api.Dispatcher.DispatcherBase
    {
        public override Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
        {
            var caller = d.Caller(context);
            d.Registrations.Enqueue(caller.NodeId);
            return Task.FromResult(new RegisterResponse { NodeId = caller.NodeId, SessionId = $"session-{d.Registrations.Count}", HeartbeatPeriodMs = 100 });
        }

        public override async Task Session(SessionRequest request, IServerStreamWriter<SessionMessage> responseStream, ServerCallContext context)
        {
            d.Caller(context);
            Interlocked.Increment(ref d._sessions);
            try
            {
                var info = new SessionInfo { SessionId = request.SessionId, HeartbeatPeriodMs = 100 };
                info.RootFingerprints.AddRange(d.Roots.Select(Fingerprints.Sha256));
                await responseStream.WriteAsync(new SessionMessage { Session = info });
                var complete = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Complete };
                complete.Tasks.AddRange(d.Assigned);
                complete.Secrets.AddRange(d.Values.Select(v => v.Clone()));
                await responseStream.WriteAsync(new SessionMessage { Assignments = complete });
                while (!d.Removed)
                {
                    await Task.Delay(50, context.CancellationToken);
                }

                throw new RpcException(new Status(StatusCode.PermissionDenied, "node removed from the cluster"));
            }
            finally
            {
                Interlocked.Decrement(ref d._sessions);
            }
        }

        public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
        {
            d.HeartbeatCertificates.Enqueue(context.GetHttpContext().Connection.ClientCertificate?.Thumbprint ?? "");
            d.Caller(context);
            return Task.FromResult(new HeartbeatResponse { PeriodMs = 100 });
        }

        public override Task<UpdateTaskStatusResponse> UpdateTaskStatus(UpdateTaskStatusRequest request, ServerCallContext context)
        {
            d.Caller(context);
            return Task.FromResult(new UpdateTaskStatusResponse());
        }
    }
}
