namespace Swarm.Dispatcher.Heartbeats;

/// <summary>
/// Heartbeat deadlines of the nodes this dispatcher is responsible for. Pure bookkeeping on an
/// injected clock: a node that has not beaten for <c>missed × period</c> is expired; nothing here
/// writes to the log. An expired node stays here as <em>expiring</em> until its down write commits
/// (<see cref="ExpiryWritten"/>) or fails (<see cref="RetryExpiry"/>, which gives it a new deadline),
/// so a database error never makes the dispatcher forget a silent node.
/// </summary>
public sealed class HeartbeatMonitor
{
    private readonly object _gate = new();
    private readonly Dictionary<Guid, DateTimeOffset> _deadlines = [];
    private readonly HashSet<Guid> _expiring = [];

    // nodes whose down write failed and that wait to expire again: counted as missed once
    private readonly HashSet<Guid> _retrying = [];
    private readonly TimeProvider _time;
    private readonly HeartbeatMetrics? _metrics;

    public HeartbeatMonitor(TimeProvider time, TimeSpan period, int missedPeriods = 3, HeartbeatMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(missedPeriods, 1);
        _time = time;
        _metrics = metrics;
        Period = period;
        Timeout = period * missedPeriods;
    }

    /// <summary>The period agents are told to heartbeat at.</summary>
    public TimeSpan Period { get; }

    /// <summary>Silence after which a node is expired.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The node is alive now: its deadline moves to now + timeout.</summary>
    public void Beat(Guid nodeId)
    {
        var deadline = _time.GetUtcNow() + Timeout;
        lock (_gate)
        {
            _deadlines[nodeId] = deadline;
            _expiring.Remove(nodeId);
            _retrying.Remove(nodeId);
        }
    }

    /// <summary>A heartbeat from the node's agent was accepted: counted, and the node is alive now.</summary>
    public void Received(Guid nodeId)
    {
        _metrics?.Received();
        Beat(nodeId);
    }

    /// <summary>
    /// A node the log says is ready but that has no session here (e.g. after a dispatcher restart):
    /// it gets one timeout to reconnect. A node already tracked keeps its deadline.
    /// </summary>
    public bool Grace(Guid nodeId) => Grace(nodeId, Timeout);

    /// <summary>As <see cref="Grace(Guid)"/>, with a grace of its own (after a leader change: 6 periods).</summary>
    public bool Grace(Guid nodeId, TimeSpan grace)
    {
        var deadline = _time.GetUtcNow() + grace;
        lock (_gate)
        {
            return !_expiring.Contains(nodeId) && _deadlines.TryAdd(nodeId, deadline);
        }
    }

    /// <summary>Forgets every deadline (this dispatcher no longer answers for any node).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _deadlines.Clear();
            _expiring.Clear();
            _retrying.Clear();
        }
    }

    public void Forget(Guid nodeId)
    {
        lock (_gate)
        {
            _deadlines.Remove(nodeId);
            _expiring.Remove(nodeId);
            _retrying.Remove(nodeId);
        }
    }

    /// <summary>Whether the node has a heartbeat deadline (it is not expiring).</summary>
    public bool IsTracked(Guid nodeId)
    {
        lock (_gate)
        {
            return _deadlines.ContainsKey(nodeId);
        }
    }

    /// <summary>Whether the node expired and its down write has not committed yet (no heartbeat since).</summary>
    public bool IsExpiring(Guid nodeId)
    {
        lock (_gate)
        {
            return _expiring.Contains(nodeId);
        }
    }

    /// <summary>The expired node's down write committed (or was not needed): it is forgotten.</summary>
    public void ExpiryWritten(Guid nodeId)
    {
        lock (_gate)
        {
            _expiring.Remove(nodeId);
            _retrying.Remove(nodeId);
        }
    }

    /// <summary>
    /// The expired node's down write failed: it expires again after <paramref name="delay"/>, unless it
    /// heartbeats meanwhile. False when the node is no longer expiring (it came back, or was forgotten).
    /// </summary>
    public bool RetryExpiry(Guid nodeId, TimeSpan delay)
    {
        var deadline = _time.GetUtcNow() + delay;
        lock (_gate)
        {
            if (!_expiring.Remove(nodeId))
            {
                return false;
            }

            _deadlines[nodeId] = deadline;
            _retrying.Add(nodeId);
            return true;
        }
    }

    /// <summary>Returns every node whose deadline has passed; each stays <see cref="IsExpiring"/> until its down write is settled.</summary>
    public IReadOnlyList<Guid> TakeExpired()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var expired = _deadlines.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToList();
            foreach (var nodeId in expired)
            {
                _deadlines.Remove(nodeId);
                _expiring.Add(nodeId);
            }

            _metrics?.Missed(expired.Count(id => !_retrying.Contains(id)));
            return expired;
        }
    }
}
