using System.Runtime.InteropServices;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Swarm.Dispatcher.Api;
using Swarm.Worker.Ca;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Agent;

/// <summary>
/// One node's agent: registers with the dispatcher, holds the session (assignments in, heartbeats
/// and status reports out), and starts over when the session breaks — at once when the dispatcher
/// no longer knows the session, with growing back-off while it cannot be reached. With several
/// dispatcher replicas it registers with the leader a follower names, and moves to the next replica
/// when the one it talks to breaks off; status updates not acknowledged go to the next session.
/// Every call is mutual TLS with the node's certificate, which is renewed alongside the session. When
/// the cluster answers that the node was removed, the agent stops the node's tasks and ends
/// (<see cref="NodeRemovedException"/>).
/// </summary>
public sealed class NodeAgent
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FailoverDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The trailer in which a dispatcher follower names the leader's address.</summary>
    public const string LeaderTrailer = "swarm-dispatcher-leader";

    private readonly AgentSettings _settings;
    private readonly NodeCredentials _credentials;
    private readonly DispatcherEndpoints _endpoints;
    private readonly Dispatcher.Api.Dispatcher.DispatcherClient _client;
    private readonly CertificateRenewer _renewer;
    private readonly IExecutor _executor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StatusReporter _reporter;
    private readonly LogPublisher _logs;

    public NodeAgent(AgentSettings settings, NodeCredentials credentials, DispatcherEndpoints endpoints, IExecutor executor, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _credentials = credentials;
        _endpoints = endpoints;
        _client = new Dispatcher.Api.Dispatcher.DispatcherClient(endpoints);
        _renewer = new CertificateRenewer(settings.Hostname, credentials, new NodeCA.NodeCAClient(endpoints), endpoints, time, logger);
        _executor = executor;
        _time = time;
        _logger = logger;
        _reporter = new StatusReporter(time);
        _logs = new LogPublisher(_client, executor, logger);
    }

    /// <summary>
    /// Runs the node until cancelled. Throws <see cref="NodeRemovedException"/> (after stopping the node's tasks) when
    /// the node was removed from the cluster, and <see cref="NodeCertificateExpiredException"/> when its certificate expired.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var supervisor = new TaskSupervisor(_executor, _reporter, _time, _logger);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task[] parts = [_renewer.RunAsync(stop.Token), SessionsAsync(supervisor, stop.Token)];
        var first = await Task.WhenAny(parts);
        await stop.CancelAsync();
        try
        {
            // the part that ended says why: shutdown, or the node may no longer take part
            await first;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (NodeRemovedException)
        {
            _logger.LogError("{Hostname}: node {NodeId} was removed from the cluster; stopping its tasks. To join again, start the agent with a new join token "
                + "and an empty state directory (this one is {StateDir})", _settings.Hostname, _credentials.Current.Identity.NodeId, _settings.StateDir);
            await supervisor.StopAllAsync(StopTimeout);
            throw;
        }
        finally
        {
            await Task.WhenAll(parts).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

            // the node's session is over: its secret and config values are forgotten (a next session sends them again)
            _executor.Secrets.Clear();
        }
    }

    private async Task SessionsAsync(TaskSupervisor supervisor, CancellationToken cancellationToken)
    {
        var nodeId = _credentials.Current.Identity.NodeId;
        var backoff = MinBackoff;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            // connections set aside by a renewal carried the session that ended
            _endpoints.ReleaseRetired();
            var seen = _endpoints.Generation;
            try
            {
                var registered = await _client.RegisterAsync(
                    new RegisterRequest { NodeId = nodeId, Description = await DescribeAsync(cancellationToken) },
                    deadline: DateTime.UtcNow + RegisterTimeout,
                    cancellationToken: cancellationToken);
                if (registered.NodeId != nodeId)
                {
                    _logger.LogWarning("{Hostname}: the dispatcher calls this node {Registered}; its certificate says {NodeId}", _settings.Hostname, registered.NodeId, nodeId);
                }

                _logger.LogInformation("{Hostname}: registered as node {NodeId}, session {SessionId} with {Dispatcher}", _settings.Hostname, nodeId, registered.SessionId, _endpoints.Current);
                backoff = MinBackoff;
                failures = 0;
                await RunSessionAsync(registered, supervisor, cancellationToken);
                _logger.LogInformation("{Hostname}: session ended; registering again", _settings.Hostname);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
            {
                throw new NodeRemovedException(ex.Status.Detail);
            }
            catch (RpcException) when (_credentials.Current.Certificate.NotAfter.ToUniversalTime() <= _time.GetUtcNow().UtcDateTime)
            {
                // refused in the handshake (UNAVAILABLE) or by the call (UNAUTHENTICATED): an expired certificate cannot be renewed
                throw new NodeCertificateExpiredException(_settings.Hostname, _credentials.Current.Certificate.NotAfter.ToUniversalTime());
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                _logger.LogInformation("{Hostname}: session expired; registering again", _settings.Hostname);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
            {
                // a replica that does not lead: go to the leader it names, else (election under way) to the next replica
                if (ex.Trailers.GetValue(LeaderTrailer) is { Length: > 0 } leader)
                {
                    _endpoints.Follow(leader, seen);
                    _logger.LogInformation("{Hostname}: {Detail}; following the leader at {Leader}", _settings.Hostname, ex.Status.Detail, leader);
                }
                else
                {
                    _endpoints.Failover(seen);
                    _logger.LogDebug("{Hostname}: {Detail}; trying {Next}", _settings.Hostname, ex.Status.Detail, _endpoints.Current);
                }

                failures = 0;
                await DelayAsync(Jitter(FailoverDelay), cancellationToken);
                continue;
            }
            catch (Exception ex)
            {
                var detail = ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
                failures++;
                if (_endpoints.Addresses.Count > 1 && failures < 2 * _endpoints.Addresses.Count)
                {
                    // another replica may lead (or know who does): try it before backing off
                    var from = _endpoints.Current;
                    _endpoints.Failover(seen);
                    _logger.LogWarning("{Hostname}: dispatcher {From} unreachable or not leading ({Detail}); trying {Next}", _settings.Hostname, from, detail, _endpoints.Current);
                    await DelayAsync(Jitter(failures == 1 ? TimeSpan.FromMilliseconds(10) : FailoverDelay), cancellationToken);
                    continue;
                }

                _endpoints.Failover(seen);
                _logger.LogWarning("{Hostname}: dispatcher unreachable ({Detail}); retrying in {Delay} ms", _settings.Hostname, detail, (int)backoff.TotalMilliseconds);
                await DelayAsync(Jitter(backoff), cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                continue;
            }

            await DelayAsync(Jitter(MinBackoff / 2), cancellationToken);
        }
    }

    /// <summary>
    /// How long a registration may take: with several replicas short, so that a frozen replica
    /// (its port open, nothing answering) does not keep the agent from the new leader for long.
    /// </summary>
    private TimeSpan RegisterTimeout => _endpoints.Addresses.Count > 1 ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(15);

    private async Task RunSessionAsync(RegisterResponse registered, TaskSupervisor supervisor, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var period = TimeSpan.FromMilliseconds(Math.Max(100, registered.HeartbeatPeriodMs));
        var parts = new[]
        {
            ReceiveAsync(registered.SessionId, supervisor, session.Token),
            HeartbeatAsync(registered.SessionId, period, session.Token),
            _reporter.RunAsync((batch, ct) => SendStatusAsync(registered.SessionId, batch, ct), session.Token),
        };

        var first = await Task.WhenAny(parts);
        await session.CancelAsync();
        try
        {
            await Task.WhenAll(parts);
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && session.IsCancellationRequested)
        {
        }

        // the part that ended the session says why
        await first;
    }

    private async Task ReceiveAsync(string sessionId, TaskSupervisor supervisor, CancellationToken ct)
    {
        using var call = _client.Session(new SessionRequest { SessionId = sessionId }, cancellationToken: ct);
        await foreach (var message in call.ResponseStream.ReadAllAsync(ct))
        {
            if (message.Session is { } info)
            {
                _renewer.RootsAnnounced(info.RootFingerprints);
                continue;
            }

            if (message.LogSubscription is { } logs)
            {
                _logs.Handle(sessionId, logs, ct);
                continue;
            }

            if (message.Assignments is not { } assignments)
            {
                continue;
            }

            await ApplyAsync(assignments, supervisor, _logger, _settings.Hostname, ct);
        }
    }

    /// <summary>One assignments message: its secret and config values (never logged: only their count), then its tasks.</summary>
    internal static async Task ApplyAsync(AssignmentsMessage assignments, TaskSupervisor supervisor, ILogger logger, string hostname, CancellationToken ct)
    {
        var tasks = assignments.Tasks.Select(ProtoMapping.ToModel).ToList();
        var values = assignments.Secrets.Select(ProtoMapping.ToModel).ToList();
        if (assignments.Type == AssignmentsMessage.Types.Type.Complete)
        {
            logger.LogInformation("{Hostname}: {Count} tasks assigned, {Values} secret and config values held", hostname, tasks.Count, values.Count);
            await supervisor.ApplyCompleteAsync(tasks, values, ct);
        }
        else
        {
            supervisor.ApplyIncremental(tasks, values, [.. assignments.RemovedSecretIds]);
        }
    }

    private async Task HeartbeatAsync(string sessionId, TimeSpan period, CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(period, _time, ct);
            var response = await _client.HeartbeatAsync(new HeartbeatRequest { SessionId = sessionId }, deadline: DateTime.UtcNow + period, cancellationToken: ct);
            if (response.PeriodMs > 0)
            {
                period = TimeSpan.FromMilliseconds(response.PeriodMs);
            }
        }
    }

    private async Task SendStatusAsync(string sessionId, IReadOnlyList<StatusUpdate> batch, CancellationToken ct)
    {
        var request = new UpdateTaskStatusRequest { SessionId = sessionId };
        request.Updates.AddRange(batch.Select(ProtoMapping.ToProto));
        var response = await _client.UpdateTaskStatusAsync(request, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
        foreach (var refused in response.Refused)
        {
            _logger.LogWarning("{Hostname}: dispatcher refused the report on task {TaskId}: {Reason}", _settings.Hostname, refused.TaskId, refused.Reason);
        }
    }

    private async Task<NodeDescription> DescribeAsync(CancellationToken cancellationToken)
    {
        var description = Describe();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            if (await _executor.DescribeEngineAsync(timeout.Token) is { } engine)
            {
                description.EngineVersion = engine.Version;
                foreach (var (key, value) in engine.Labels)
                {
                    description.EngineLabels[key] = value;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("{Hostname}: could not read the engine's description: {Message}", _settings.Hostname, ex.Message);
        }

        return description;
    }

    private NodeDescription Describe()
    {
        var description = new NodeDescription
        {
            Hostname = _settings.Hostname,
            Role = "worker",
            Os = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux" : RuntimeInformation.OSDescription,
            Arch = RuntimeInformation.OSArchitecture switch
            {
                Architecture.X64 => "x86_64",
                Architecture.Arm64 => "aarch64",
                var other => other.ToString().ToLowerInvariant(),
            },
            NanoCpus = Environment.ProcessorCount * 1_000_000_000L,
            MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            Executor = _executor.Name,
        };
        foreach (var (key, value) in _settings.Labels)
        {
            description.Labels[key] = value;
        }

        foreach (var (name, count) in _settings.GenericResources)
        {
            description.GenericResources[name] = count;
        }

        return description;
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, _time, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
}
