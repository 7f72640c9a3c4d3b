namespace Swarm.Dispatcher.Heartbeats;

/// <summary>
/// Heartbeat deadlines of the nodes this dispatcher is responsible for. Pure bookkeeping on an
/// injected clock: a node that has not beaten for <c>missed × period</c> is expired; nothing here
/// writes to the log.
/// </summary>
public sealed class HeartbeatMonitor
{
    private readonly object _gate = new();
    private readonly Dictionary<Guid, DateTimeOffset> _deadlines = [];
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
            return _deadlines.TryAdd(nodeId, deadline);
        }
    }

    /// <summary>Forgets every deadline (this dispatcher no longer answers for any node).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _deadlines.Clear();
        }
    }

    public void Forget(Guid nodeId)
    {
        lock (_gate)
        {
            _deadlines.Remove(nodeId);
        }
    }

    public bool IsTracked(Guid nodeId)
    {
        lock (_gate)
        {
            return _deadlines.ContainsKey(nodeId);
        }
    }

    /// <summary>Removes and returns every node whose deadline has passed.</summary>
    public IReadOnlyList<Guid> TakeExpired()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var expired = _deadlines.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToList();
            foreach (var nodeId in expired)
            {
                _deadlines.Remove(nodeId);
            }

            _metrics?.Missed(expired.Count);
            return expired;
        }
    }
}
