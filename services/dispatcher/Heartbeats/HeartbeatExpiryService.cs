using Marten;
using Swarm.Contracts.Model;
using Swarm.Dispatcher.Nodes;
using Swarm.Dispatcher.Sessions;
using Swarm.Domain.Nodes;

namespace Swarm.Dispatcher.Heartbeats;

/// <summary>
/// Marks nodes down whose heartbeats stopped, and closes their sessions. At start, nodes the log says
/// are ready but that hold no session here get one heartbeat timeout to reconnect.
/// </summary>
public sealed class HeartbeatExpiryService : BackgroundService
{
    public const string DownMessage = "heartbeat failure";

    private readonly HeartbeatMonitor _monitor;
    private readonly SessionRegistry _sessions;
    private readonly NodeStatusWriter _nodes;
    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<HeartbeatExpiryService> _logger;

    public HeartbeatExpiryService(HeartbeatMonitor monitor, SessionRegistry sessions, NodeStatusWriter nodes, IDocumentStore store,
        TimeProvider time, ILogger<HeartbeatExpiryService> logger)
    {
        _monitor = monitor;
        _sessions = sessions;
        _nodes = nodes;
        _store = store;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await GraceReadyNodesAsync(stoppingToken);

        var tick = TimeSpan.FromTicks(Math.Clamp(_monitor.Period.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, _time, stoppingToken);
                foreach (var nodeId in _monitor.TakeExpired())
                {
                    await ExpireAsync(nodeId, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "heartbeat expiry failed; retrying");
            }
        }
    }

    private async Task GraceReadyNodesAsync(CancellationToken ct)
    {
        for (var attempt = 1; !ct.IsCancellationRequested; attempt++)
        {
            try
            {
                await using var query = _store.QuerySession();
                var ready = await query.Query<Node>().Where(n => n.Status == NodeStatus.Ready).Select(n => n.Id).ToListAsync(ct);
                var graced = ready.Count(id => !_sessions.HasSession(id) && _monitor.Grace(id));
                if (graced > 0)
                {
                    _logger.LogInformation("{Count} ready nodes have {Timeout} to reconnect", graced, _monitor.Timeout);
                }

                return;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "reading ready nodes failed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), _time, ct);
            }
        }
    }

    private async Task ExpireAsync(Guid nodeId, CancellationToken ct)
    {
        var session = _sessions.ForNode(nodeId);
        if (session is not null)
        {
            _sessions.Close(session);
        }

        // a node that registered again meanwhile has a new session and a new deadline: it stays ready
        var written = await _nodes.MarkDownAsync(nodeId, DownMessage, () => !_sessions.HasSession(nodeId) && !_monitor.IsTracked(nodeId), ct);
        if (written)
        {
            _logger.LogWarning("node {NodeId} is down: {Message}", nodeId, DownMessage);
        }
    }
}
