using Microsoft.Extensions.Time.Testing;
using Swarm.Dispatcher.Heartbeats;

namespace Swarm.Dispatcher.Tests.Heartbeats;

public sealed class HeartbeatMonitorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly HeartbeatMonitor _monitor;

    public HeartbeatMonitorTests()
    {
        _monitor = new HeartbeatMonitor(_time, TimeSpan.FromSeconds(5), missedPeriods: 3);
    }

    [Fact]
    public void A_node_expires_after_three_missed_periods_and_not_before()
    {
        var node = Guid.NewGuid();
        _monitor.Beat(node);

        _time.Advance(TimeSpan.FromSeconds(14.9));
        Assert.Empty(_monitor.TakeExpired());

        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal([node], _monitor.TakeExpired());
        Assert.Empty(_monitor.TakeExpired());
        Assert.False(_monitor.IsTracked(node));
    }

    [Fact]
    public void Each_heartbeat_moves_the_deadline()
    {
        var node = Guid.NewGuid();
        _monitor.Beat(node);
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            _monitor.Beat(node);
            Assert.Empty(_monitor.TakeExpired());
        }

        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal([node], _monitor.TakeExpired());
    }

    [Fact]
    public void Ready_nodes_without_a_session_get_a_grace_of_three_periods_to_reconnect()
    {
        var silent = Guid.NewGuid();
        var reconnecting = Guid.NewGuid();
        Assert.True(_monitor.Grace(silent));
        Assert.True(_monitor.Grace(reconnecting));

        _time.Advance(TimeSpan.FromSeconds(10));
        _monitor.Beat(reconnecting);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal([silent], _monitor.TakeExpired());
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([reconnecting], _monitor.TakeExpired());
    }

    [Fact]
    public void Grace_does_not_shorten_the_deadline_of_a_node_that_already_beat()
    {
        var node = Guid.NewGuid();
        _time.Advance(TimeSpan.FromSeconds(1));
        _monitor.Beat(node);
        Assert.False(_monitor.Grace(node));
    }

    [Fact]
    public void A_forgotten_node_never_expires()
    {
        var node = Guid.NewGuid();
        _monitor.Beat(node);
        _monitor.Forget(node);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_monitor.TakeExpired());
    }
}
