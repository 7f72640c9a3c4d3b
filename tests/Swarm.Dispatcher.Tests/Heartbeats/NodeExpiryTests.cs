using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Swarm.Dispatcher.Heartbeats;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Tests.Heartbeats;

/// <summary>Expired nodes are marked down; a failed write keeps the node and is tried again.</summary>
public sealed class NodeExpiryTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly HeartbeatMonitor _monitor;
    private readonly SessionRegistry _sessions = new();
    private readonly List<Guid> _attempts = [];
    private readonly List<Guid> _down = [];
    private int _failures;

    public NodeExpiryTests() => _monitor = new HeartbeatMonitor(_time, TimeSpan.FromSeconds(1), missedPeriods: 3);

    private NodeExpiry Expiry() => new(_monitor, _sessions, (nodeId, _, stillDown, _) =>
    {
        _attempts.Add(nodeId);
        if (_failures > 0)
        {
            _failures--;
            throw new InvalidOperationException("the database is restarting");
        }

        if (!stillDown())
        {
            return Task.FromResult(false);
        }

        _down.Add(nodeId);
        return Task.FromResult(true);
    }, NullLogger.Instance);

    [Fact]
    public async Task A_node_whose_down_write_fails_stays_tracked_and_is_marked_down_on_a_later_attempt()
    {
        var node = Guid.NewGuid();
        _monitor.Beat(node);
        _sessions.Open(node);
        _time.Advance(TimeSpan.FromSeconds(3));
        _failures = 2;
        var expiry = Expiry();

        await expiry.ExpireDueAsync(CancellationToken.None);
        Assert.Equal([node], _attempts);
        Assert.Empty(_down);
        Assert.True(_monitor.IsTracked(node));
        Assert.False(_sessions.HasSession(node));

        _time.Advance(expiry.RetryDelay);
        await expiry.ExpireDueAsync(CancellationToken.None);
        _time.Advance(expiry.RetryDelay);
        await expiry.ExpireDueAsync(CancellationToken.None);

        Assert.Equal([node, node, node], _attempts);
        Assert.Equal([node], _down);
        Assert.False(_monitor.IsTracked(node));
        Assert.False(_monitor.IsExpiring(node));

        _time.Advance(TimeSpan.FromSeconds(10));
        await expiry.ExpireDueAsync(CancellationToken.None);
        Assert.Equal(3, _attempts.Count);
    }

    [Fact]
    public async Task A_node_that_heartbeats_again_before_the_retry_is_not_marked_down()
    {
        var node = Guid.NewGuid();
        _monitor.Beat(node);
        _time.Advance(TimeSpan.FromSeconds(3));
        _failures = 1;
        var expiry = Expiry();

        await expiry.ExpireDueAsync(CancellationToken.None);
        _sessions.Open(node);
        _monitor.Received(node);
        _time.Advance(expiry.RetryDelay);
        await expiry.ExpireDueAsync(CancellationToken.None);

        Assert.Equal([node], _attempts);
        Assert.Empty(_down);
        Assert.True(_monitor.IsTracked(node));
    }

    [Fact]
    public async Task While_the_down_write_runs_the_node_counts_as_still_down_until_it_heartbeats()
    {
        var node = Guid.NewGuid();
        _monitor.Beat(node);
        _time.Advance(TimeSpan.FromSeconds(3));
        var seen = new List<bool>();
        var expiry = new NodeExpiry(_monitor, _sessions, (id, _, stillDown, _) =>
        {
            seen.Add(stillDown());
            _monitor.Received(id);
            seen.Add(stillDown());
            return Task.FromResult(false);
        }, NullLogger.Instance);

        await expiry.ExpireDueAsync(CancellationToken.None);

        Assert.Equal([true, false], seen);
        Assert.True(_monitor.IsTracked(node));
    }
}
