using System.Runtime.InteropServices;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Swarm.Dispatcher.Api;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Agent;

/// <summary>
/// One node's agent: registers with the dispatcher, holds the session (assignments in, heartbeats
/// and status reports out), and starts over when the session breaks — at once when the dispatcher
/// no longer knows the session, with growing back-off while it cannot be reached.
/// </summary>
public sealed class NodeAgent
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly AgentSettings _settings;
    private readonly Dispatcher.Api.Dispatcher.DispatcherClient _client;
    private readonly IExecutor _executor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StatusReporter _reporter;
    private readonly LogPublisher _logs;

    public NodeAgent(AgentSettings settings, Dispatcher.Api.Dispatcher.DispatcherClient client, IExecutor executor, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _client = client;
        _executor = executor;
        _time = time;
        _logger = logger;
        _reporter = new StatusReporter(time);
        _logs = new LogPublisher(client, executor, logger);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var supervisor = new TaskSupervisor(_executor, _reporter, _time, _logger);
        var nodeId = NodeIdentity.Load(_settings.StateDir);
        var backoff = MinBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var registered = await _client.RegisterAsync(
                    new RegisterRequest { NodeId = nodeId ?? "", Description = await DescribeAsync(cancellationToken) },
                    deadline: DateTime.UtcNow.AddSeconds(15),
                    cancellationToken: cancellationToken);
                if (registered.NodeId != nodeId)
                {
                    nodeId = registered.NodeId;
                    NodeIdentity.Save(_settings.StateDir, nodeId);
                }

                _logger.LogInformation("{Hostname}: registered as node {NodeId}, session {SessionId}", _settings.Hostname, nodeId, registered.SessionId);
                backoff = MinBackoff;
                await RunSessionAsync(registered, supervisor, cancellationToken);
                _logger.LogInformation("{Hostname}: session ended; registering again", _settings.Hostname);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                _logger.LogInformation("{Hostname}: session expired; registering again", _settings.Hostname);
            }
            catch (Exception ex)
            {
                var detail = ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
                _logger.LogWarning("{Hostname}: dispatcher unreachable ({Detail}); retrying in {Delay} ms", _settings.Hostname, detail, (int)backoff.TotalMilliseconds);
                await DelayAsync(Jitter(backoff), cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                continue;
            }

            await DelayAsync(Jitter(MinBackoff / 2), cancellationToken);
        }
    }

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
            if (message.LogSubscription is { } logs)
            {
                _logs.Handle(sessionId, logs, ct);
                continue;
            }

            if (message.Assignments is not { } assignments)
            {
                continue;
            }

            var tasks = assignments.Tasks.Select(ProtoMapping.ToModel).ToList();
            if (assignments.Type == AssignmentsMessage.Types.Type.Complete)
            {
                _logger.LogInformation("{Hostname}: {Count} tasks assigned", _settings.Hostname, tasks.Count);
                await supervisor.ApplyCompleteAsync(tasks, ct);
            }
            else
            {
                supervisor.ApplyIncremental(tasks);
            }
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
