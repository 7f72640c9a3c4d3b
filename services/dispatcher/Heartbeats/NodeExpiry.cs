using Swarm.Dispatcher.Leadership;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Heartbeats;

/// <summary>
/// Marks down the nodes whose heartbeat deadline passed and closes their sessions. A node stays in the
/// <see cref="HeartbeatMonitor"/> (expiring) until its down write commits; when the write fails (the
/// database restarting, a conflict that outlasted its retries) the node expires again one heartbeat
/// period later, so no silent node stays ready in the log because one write failed.
/// </summary>
public sealed class NodeExpiry
{
    /// <summary>Writes the node down unless <c>stillDown</c> says otherwise; true when an event was written.</summary>
    public delegate Task<bool> MarkDown(Guid nodeId, string message, Func<bool> stillDown, CancellationToken cancellationToken);

    private readonly HeartbeatMonitor _monitor;
    private readonly SessionRegistry _sessions;
    private readonly MarkDown _markDown;
    private readonly ILogger _logger;

    public NodeExpiry(HeartbeatMonitor monitor, SessionRegistry sessions, MarkDown markDown, ILogger logger)
    {
        _monitor = monitor;
        _sessions = sessions;
        _markDown = markDown;
        _logger = logger;
    }

    /// <summary>How long a node whose down write failed waits for the next attempt: one heartbeat period.</summary>
    public TimeSpan RetryDelay => _monitor.Period;

    /// <summary>
    /// Expires every node past its deadline. A failed write is retried later; losing the leadership
    /// (<see cref="NotLeaderException"/>) or cancellation ends the round.
    /// </summary>
    public async Task ExpireDueAsync(CancellationToken cancellationToken)
    {
        foreach (var nodeId in _monitor.TakeExpired())
        {
            await ExpireAsync(nodeId, cancellationToken);
        }
    }

    private async Task ExpireAsync(Guid nodeId, CancellationToken cancellationToken)
    {
        if (_sessions.ForNode(nodeId) is { } session)
        {
            _sessions.Close(session);
        }

        bool written;
        try
        {
            // a node that registered again meanwhile has a new session and a new deadline: it stays ready
            written = await _markDown(nodeId, HeartbeatExpiryService.DownMessage, () => !_sessions.HasSession(nodeId) && _monitor.IsExpiring(nodeId), cancellationToken);
        }
        catch (Exception ex) when (ex is not NotLeaderException && !cancellationToken.IsCancellationRequested)
        {
            if (_monitor.RetryExpiry(nodeId, RetryDelay))
            {
                _logger.LogWarning(ex, "marking node {NodeId} down failed; trying again in {Delay}", nodeId, RetryDelay);
            }

            return;
        }

        _monitor.ExpiryWritten(nodeId);
        if (written)
        {
            _logger.LogWarning("node {NodeId} is down: {Message}", nodeId, HeartbeatExpiryService.DownMessage);
        }
    }
}
