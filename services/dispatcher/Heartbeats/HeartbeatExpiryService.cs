using Marten;
using Swarm.Contracts.Model;
using Swarm.Dispatcher.Leadership;
using Swarm.Dispatcher.Nodes;
using Swarm.Dispatcher.Sessions;
using Swarm.Domain.Nodes;

namespace Swarm.Dispatcher.Heartbeats;

/// <summary>
/// Marks nodes down whose heartbeats stopped, and closes their sessions — only while this replica
/// leads. When it starts leading, nodes the log says are ready but that hold no session here get
/// time to reconnect: one heartbeat timeout after a plain start, <see cref="LeaderChangeGracePeriods"/>
/// periods after a leader change (as SwarmKit), so a failover never marks a healthy node down. When
/// it stops leading, it closes every session and forgets every deadline. A node whose down write
/// fails stays tracked and is tried again (<see cref="NodeExpiry"/>).
/// </summary>
public sealed class HeartbeatExpiryService : BackgroundService
{
    public const string DownMessage = "heartbeat failure";

    /// <summary>Heartbeat periods a node gets to find a newly elected leader.</summary>
    public const int LeaderChangeGracePeriods = 6;

    private readonly HeartbeatMonitor _monitor;
    private readonly SessionRegistry _sessions;
    private readonly NodeExpiry _expiry;
    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly LeadershipState _leadership;
    private readonly ILogger<HeartbeatExpiryService> _logger;

    public HeartbeatExpiryService(HeartbeatMonitor monitor, SessionRegistry sessions, NodeStatusWriter nodes, IDocumentStore store,
        TimeProvider time, LeadershipState leadership, ILogger<HeartbeatExpiryService> logger)
    {
        _monitor = monitor;
        _sessions = sessions;
        _expiry = new NodeExpiry(monitor, sessions, nodes.MarkDownAsync, logger);
        _store = store;
        _time = time;
        _leadership = leadership;
        _logger = logger;
    }

    /// <summary>The grace a ready node without a session gets when this replica starts leading.</summary>
    public static TimeSpan GraceFor(LeaderLease lease, HeartbeatMonitor monitor) =>
        lease.AfterLeaderChange ? monitor.Period * LeaderChangeGracePeriods : monitor.Timeout;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            LeaderLease lease;
            try
            {
                lease = await _leadership.WaitServingAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ExpireWhileLeadingAsync(lease);
            }
            catch (OperationCanceledException) when (lease.Token.IsCancellationRequested)
            {
            }
            finally
            {
                var closed = _sessions.CloseAll();
                _monitor.Clear();
                if (!stoppingToken.IsCancellationRequested)
                {
                    _logger.LogInformation("no longer leading (term {Term}): closed {Count} agent sessions", lease.Term, closed);
                }
            }
        }
    }

    private async Task ExpireWhileLeadingAsync(LeaderLease lease)
    {
        var ct = lease.Token;
        await GraceReadyNodesAsync(GraceFor(lease, _monitor), ct);

        var tick = TimeSpan.FromTicks(Math.Clamp(_monitor.Period.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, _time, ct);
                await _expiry.ExpireDueAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (NotLeaderException ex)
            {
                _logger.LogWarning("heartbeat expiry stopped: {Message}", ex.Message);
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "heartbeat expiry failed; retrying");
            }
        }
    }

    private async Task GraceReadyNodesAsync(TimeSpan grace, CancellationToken ct)
    {
        for (var attempt = 1; !ct.IsCancellationRequested; attempt++)
        {
            try
            {
                await using var query = _store.QuerySession();
                var ready = await query.Query<Node>().Where(n => n.Status == NodeStatus.Ready).Select(n => n.Id).ToListAsync(ct);
                var graced = ready.Count(id => !_sessions.HasSession(id) && _monitor.Grace(id, grace));
                if (graced > 0)
                {
                    _logger.LogInformation("{Count} ready nodes have {Timeout} to reconnect", graced, grace);
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
}
