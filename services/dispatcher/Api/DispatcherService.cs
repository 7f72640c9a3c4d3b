using Grpc.Core;
using Marten;
using Swarm.Dispatcher.Heartbeats;
using Swarm.Dispatcher.Leadership;
using Swarm.Dispatcher.Logs;
using Swarm.Dispatcher.Nodes;
using Swarm.Dispatcher.Security;
using Swarm.Dispatcher.Sessions;
using Swarm.Dispatcher.Tasks;
using Swarm.Domain.Tasks;
using Swarm.EventStore.Security;
using Swarm.Security;
using ModelTaskState = Swarm.Contracts.Model.TaskState;
using ModelNodeDescription = Swarm.Contracts.Model.NodeDescription;

namespace Swarm.Dispatcher.Api;

/// <summary>
/// The agent-facing gRPC API: registration, the session stream, heartbeats and status reports. Only
/// the leader serves it; another replica answers FAILED_PRECONDITION with the leader's agent address
/// in the <see cref="LeaderTrailer"/> trailer (without it while no leader is known).
/// <para>
/// Every call needs the node's client certificate (<see cref="NodeAuthenticator"/>): the node id is its
/// CN, and a session may only be used by the node that opened it (PERMISSION_DENIED otherwise).
/// </para>
/// </summary>
public sealed class DispatcherService : Dispatcher.DispatcherBase
{

    private readonly SessionRegistry _sessions;
    private readonly HeartbeatMonitor _heartbeats;
    private readonly RegistrationBatcher _nodes;
    private readonly StatusBatcher _tasks;
    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly DispatcherOptions _options;
    private readonly ILogger<DispatcherService> _logger;
    private readonly LogBroker _logs;
    private readonly LeadershipState _leadership;
    private readonly NodeAuthenticator _authenticator;
    private readonly ClusterTrust _trust;
    private readonly RevokedNodes _revoked;
    private readonly ISecretSource? _secrets;
    private readonly ICertificateAuthority _ca;

    /// <summary>The trailer (and response header) that names the leader's agent address.</summary>
    public const string LeaderTrailer = "swarm-dispatcher-leader";

    public DispatcherService(SessionRegistry sessions, HeartbeatMonitor heartbeats, RegistrationBatcher nodes, StatusBatcher tasks,
        IDocumentStore store, TimeProvider time, Microsoft.Extensions.Options.IOptions<DispatcherOptions> options, ILogger<DispatcherService> logger,
        LogBroker logs, LeadershipState leadership, NodeAuthenticator authenticator, ClusterTrust trust, RevokedNodes revoked, ICertificateAuthority ca,
        ISecretSource? secrets = null)
    {
        _ca = ca;
        _secrets = secrets;
        _authenticator = authenticator;
        _trust = trust;
        _revoked = revoked;
        _logs = logs;
        _leadership = leadership;
        _sessions = sessions;
        _heartbeats = heartbeats;
        _nodes = nodes;
        _tasks = tasks;
        _store = store;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    private long PeriodMs => (long)_heartbeats.Period.TotalMilliseconds;

    public override async Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        // the node is who its certificate says: request.NodeId is ignored
        var caller = _authenticator.Authenticate(context);
        EnsureLeader();
        await EnsureUnlockedAsync(context.CancellationToken);
        var nodeId = caller.NodeId;
        var description = ToModel(request.Description ?? new NodeDescription(), PeerAddress(context.Peer)) with
        {
            // the role is the certificate's, not what the agent says
            Role = NodeRoles.Kind(caller.Identity.Role),
        };
        var certificate = _trust.Current is { } trust ? NodeCertificates.Describe(caller.Certificate, trust.Ca.Roots) : null;

        // the session exists before the node is marked ready, so a concurrent expiry sees it and stands down
        var session = _sessions.Open(nodeId);
        _heartbeats.Beat(nodeId);
        try
        {
            await _nodes.RegisterAsync(nodeId, description, certificate, context.CancellationToken);
        }
        catch (NotLeaderException ex)
        {
            _sessions.Close(session);
            throw NotLeader(ex.Message);
        }
        catch
        {
            _sessions.Close(session);
            throw;
        }

        if (_revoked.Contains(nodeId))
        {
            // removed while it registered: the removal closed no session, this one must not stay open
            _sessions.Close(session);
            throw NodeAuthenticator.Removed(nodeId);
        }

        _logger.LogInformation("node {NodeId} ({Hostname}) registered, session {SessionId}", nodeId, description.Hostname, session.SessionId);
        return new RegisterResponse { NodeId = nodeId.ToString(), SessionId = session.SessionId, HeartbeatPeriodMs = PeriodMs };
    }

    public override async Task Session(SessionRequest request, IServerStreamWriter<SessionMessage> responseStream, ServerCallContext context)
    {
        var caller = _authenticator.Authenticate(context);
        EnsureLeader();
        await EnsureUnlockedAsync(context.CancellationToken);
        var session = FindSession(request.SessionId, caller);
        using var stream = new AssignmentStream(_time, _options.AssignmentFlushDelay);
        if (!session.Attach(stream))
        {
            throw UnknownSession();
        }

        try
        {
            stream.Send(new SessionMessage { Session = SessionInfos.For(session, PeriodMs, _trust.Current?.Ca) });

            // changes pushed from now on wait in the stream and follow the COMPLETE set
            await using (var query = _store.QuerySession())
            {
                var tasks = await NodeTasks.ReadAsync(query, [session.NodeId], context.CancellationToken);
                var secrets = await TaskSecrets.ResolveAsync(_secrets, tasks, context.CancellationToken);
                stream.Start(tasks.Select(t => TaskSpans.Dispatch(t, _time, secrets)), secrets);
                _logger.LogDebug("session {SessionId}: sent {Count} assignments", session.SessionId, tasks.Count);
            }

            await foreach (var message in stream.Messages.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(message, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // the agent went away; its heartbeat deadline decides what happens to the node
        }
        finally
        {
            session.Detach(stream);
        }

        if (_revoked.Contains(session.NodeId))
        {
            // the stream ended because the node was removed: say so rather than end it as if all were well
            throw NodeAuthenticator.Removed(session.NodeId);
        }
    }

    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        var caller = _authenticator.Authenticate(context);
        EnsureLeader();
        var session = FindSession(request.SessionId, caller);
        _heartbeats.Received(session.NodeId);
        return Task.FromResult(new HeartbeatResponse { PeriodMs = PeriodMs });
    }

    public override async Task<UpdateTaskStatusResponse> UpdateTaskStatus(UpdateTaskStatusRequest request, ServerCallContext context)
    {
        var caller = _authenticator.Authenticate(context);
        EnsureLeader();
        var session = FindSession(request.SessionId, caller);
        var now = _time.GetUtcNow();
        var response = new UpdateTaskStatusResponse();
        var reports = new List<ReportedStatus>(request.Updates.Count);
        foreach (var u in request.Updates)
        {
            if (!ProtocolStates.TryToModel(u.State, out var state))
            {
                response.Refused.Add(new RefusedUpdate { TaskId = u.TaskId, Reason = $"{(int)u.State} is not a task state of the protocol" });
                continue;
            }

            reports.Add(new ReportedStatus(
                u.TaskId,
                state,
                u.Message,
                string.IsNullOrEmpty(u.Error) ? null : u.Error,
                u.HasExitCode ? u.ExitCode : null,
                u.Timestamp is { } ts ? ts.ToDateTimeOffset() : now));
        }

        if (reports.Count == 0)
        {
            return response;
        }

        IReadOnlyList<RefusedReport> refused;
        try
        {
            refused = await _tasks.WriteAsync(session.NodeId, reports, context.CancellationToken);
        }
        catch (NotLeaderException ex)
        {
            // not acknowledged: the agent sends the batch again to the new leader
            throw NotLeader(ex.Message);
        }

        foreach (var r in refused)
        {
            _logger.LogWarning("node {NodeId}: refused report on task {TaskId}: {Reason}", session.NodeId, r.TaskId, r.Reason);
            response.Refused.Add(new RefusedUpdate { TaskId = r.TaskId, Reason = r.Reason });
        }

        // a task that ended on its node needs its secrets there no more
        foreach (var report in reports)
        {
            if (report.State >= Swarm.Contracts.Model.TaskState.Complete && !response.Refused.Any(r => r.TaskId == report.TaskId))
            {
                session.TaskEnded(report.TaskId);
            }
        }

        return response;
    }

    public override async Task<PublishLogsResponse> PublishLogs(IAsyncStreamReader<PublishLogsMessage> requestStream, ServerCallContext context)
    {
        var caller = _authenticator.Authenticate(context);
        NodeSession? session = null;
        string? subscriptionId = null;
        try
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                if (session is null)
                {
                    session = FindSession(message.SessionId, caller);
                    subscriptionId = message.SubscriptionId;
                }

                if (message.Lines.Count > 0 && !await _logs.PublishAsync(session.NodeId, subscriptionId!, message.Lines, context.CancellationToken))
                {
                    // nobody reads this subscription any more: ending the call tells the agent to stop
                    break;
                }

                if (message.Close)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (session is not null && subscriptionId is not null)
            {
                _logs.Close(session.NodeId, subscriptionId);
            }
        }

        return new PublishLogsResponse();
    }

    /// <summary>The open session <paramref name="sessionId"/>, which must be the calling node's own.</summary>
    private NodeSession FindSession(string sessionId, AuthenticatedNode caller)
    {
        if (_sessions.Find(sessionId) is not { IsClosed: false } session)
        {
            throw UnknownSession();
        }

        if (session.NodeId != caller.NodeId)
        {
            _logger.LogWarning("node {Caller} used session {SessionId} of node {Owner}: refused", caller.NodeId, sessionId, session.NodeId);
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"session {sessionId} belongs to another node; a node may only use its own sessions"));
        }

        return session;
    }

    /// <summary>Refuses the call unless this replica leads now.</summary>
    private void EnsureLeader()
    {
        if (!_leadership.IsServing)
        {
            throw NotLeader(null);
        }
    }

    /// <summary>
    /// Refuses the call while this replica is locked (autolock, not yet given the unlock key): FAILED_PRECONDITION
    /// "locked", which an agent treats as it does a replica that does not lead — it tries again.
    /// </summary>
    private async Task EnsureUnlockedAsync(CancellationToken cancellationToken)
    {
        if ((await _ca.AutolockAsync(cancellationToken)).Locked)
        {
            throw Locked();
        }
    }

    /// <summary>The refusal of a locked replica.</summary>
    public static RpcException Locked() => new(new Status(StatusCode.FailedPrecondition, $"locked: {ClusterLockedException.Reason}"));

    private RpcException NotLeader(string? detail)
    {
        var leader = _leadership.LeaderAgentAddress;
        var trailers = new Metadata();
        if (string.IsNullOrEmpty(leader))
        {
            // alive but not leading, and no leader known (an election is under way): no hint
            return new RpcException(new Status(StatusCode.FailedPrecondition, detail ?? "no dispatcher leader is known yet; try again or another replica"), trailers);
        }

        trailers.Add(LeaderTrailer, leader);
        return new RpcException(new Status(StatusCode.FailedPrecondition, $"not the dispatcher leader; the leader is {leader}"), trailers);
    }

    private static RpcException UnknownSession() => new(new Status(StatusCode.NotFound, "unknown or expired session; register again"));

    /// <summary>The host part of a gRPC peer (<c>ipv4:127.0.0.1:5000</c>, <c>ipv6:[::1]:5000</c>).</summary>
    internal static string PeerAddress(string? peer)
    {
        if (string.IsNullOrEmpty(peer))
        {
            return "";
        }

        var address = peer;
        var scheme = address.IndexOf(':', StringComparison.Ordinal);
        if (scheme >= 0 && address[..scheme] is "ipv4" or "ipv6" or "unix")
        {
            address = address[(scheme + 1)..];
        }

        if (address.StartsWith('['))
        {
            var end = address.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? address[1..end] : address;
        }

        var port = address.LastIndexOf(':');
        return port > 0 && address.IndexOf(':', StringComparison.Ordinal) == port ? address[..port] : address;
    }

    private static ModelNodeDescription ToModel(NodeDescription d, string address) => new()
    {
        Address = address,
        EngineLabels = new Dictionary<string, string>(d.EngineLabels),
        EngineVersion = d.EngineVersion,
        GenericResources = new Dictionary<string, long>(d.GenericResources),
        Hostname = d.Hostname,
        Role = string.IsNullOrEmpty(d.Role) ? "worker" : d.Role,
        Os = d.Os,
        Architecture = d.Arch,
        NanoCpus = d.NanoCpus,
        MemoryBytes = d.MemoryBytes,
        Executor = d.Executor,
        Labels = new Dictionary<string, string>(d.Labels),
    };
}
