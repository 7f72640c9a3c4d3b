using Marten;
using Microsoft.Extensions.Options;
using Swarm.Dispatcher.Heartbeats;
using Swarm.Dispatcher.Sessions;
using Swarm.Domain.Nodes;
using Swarm.ServiceDefaults;

namespace Swarm.Dispatcher.Security;

/// <summary>
/// Applies node removals: reads the removed nodes from the node read model at start and every
/// <see cref="DispatcherOptions.RevocationRefreshPeriod"/> (so a lost <c>NodeRemoved</c> message still takes
/// effect), and <see cref="Revoke"/> applies one at once when the message arrives. A removed node's session
/// here is closed, so its stream ends, and its heartbeat deadline forgotten; every later call with its
/// certificate is refused (<see cref="NodeAuthenticator"/>).
/// </summary>
public sealed class RevocationService : PeriodicWork
{
    private readonly RevokedNodes _revoked;
    private readonly SessionRegistry _sessions;
    private readonly HeartbeatMonitor _heartbeats;
    private readonly IDocumentStore _store;
    private readonly TimeSpan _period;
    private readonly ILogger<RevocationService> _logger;

    public RevocationService(RevokedNodes revoked, SessionRegistry sessions, HeartbeatMonitor heartbeats, IDocumentStore store,
        IOptions<DispatcherOptions> options, TimeProvider time, ILogger<RevocationService> logger)
        : base(time, logger)
    {
        _revoked = revoked;
        _sessions = sessions;
        _heartbeats = heartbeats;
        _store = store;
        _period = options.Value.RevocationRefreshPeriod;
        _logger = logger;
    }

    protected override TimeSpan Period => _revoked.Loaded ? _period : TimeSpan.FromSeconds(1);

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var query = _store.QuerySession();
        var removed = await query.Query<Node>().Where(n => n.Removed).Select(n => n.Id).ToListAsync(cancellationToken);
        var first = !_revoked.Loaded;
        foreach (var nodeId in _revoked.AddLoaded(removed))
        {
            Disconnect(nodeId, first ? null : "read model");
        }
    }

    /// <summary>A node was removed: refuse it from now on and end its session here.</summary>
    public void Revoke(Guid nodeId)
    {
        if (_revoked.Add(nodeId))
        {
            Disconnect(nodeId, "removal message");
        }
        else
        {
            // known already; its session may have been opened meanwhile by a call that passed the check before
            _sessions.CloseNode(nodeId);
        }
    }

    private void Disconnect(Guid nodeId, string? source)
    {
        var closed = _sessions.CloseNode(nodeId);
        _heartbeats.Forget(nodeId);
        if (source is not null || closed)
        {
            _logger.LogInformation("node {NodeId} was removed from the cluster: its certificate is refused from now on{Closed} (from the {Source})",
                nodeId, closed ? ", its session closed" : "", source ?? "read model");
        }
    }
}
