using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Swarm.Dispatcher.Heartbeats;
using Swarm.Dispatcher.Leadership;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Metrics;

/// <summary>Heartbeat and leadership instruments of the dispatcher, each test on a meter of its own.</summary>
public sealed class DispatcherMetricsTests : IDisposable
{
    private readonly Meter _meter = new("Swarm.Dispatcher");
    private readonly MetricCapture _capture;

    public DispatcherMetricsTests()
    {
        _capture = new MetricCapture(_meter, HeartbeatMetrics.ReceivedName, HeartbeatMetrics.MissedName,
            LeadershipMetrics.LeaderName, LeadershipMetrics.LeaderChangesName);
    }

    [Fact]
    public void Accepted_heartbeats_are_counted_and_a_node_past_its_deadline_counts_as_missed()
    {
        var time = new FakeTimeProvider();
        var monitor = new HeartbeatMonitor(time, TimeSpan.FromSeconds(5), missedPeriods: 3, new HeartbeatMetrics(_meter));
        var silent = Guid.NewGuid();
        var alive = Guid.NewGuid();

        monitor.Received(silent);
        monitor.Received(alive);
        time.Advance(TimeSpan.FromSeconds(10));
        monitor.Received(alive);
        Assert.Empty(monitor.TakeExpired());
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([silent], monitor.TakeExpired());

        Assert.Equal(3, _capture.Of(HeartbeatMetrics.ReceivedName).Sum(m => m.Value));
        Assert.Equal(1, _capture.Of(HeartbeatMetrics.MissedName).Sum(m => m.Value));
    }

    [Fact]
    public void The_leader_gauge_says_whether_this_replica_leads_and_each_new_leader_is_a_change()
    {
        var state = new LeadershipState("10.0.0.1:7000", clustered: true);
        LeadershipMetrics.Observe(state, _meter);

        _capture.Collect();
        var follower = Assert.Single(_capture.Of(LeadershipMetrics.LeaderName));
        Assert.Equal(0, follower.Value);
        Assert.Equal("10.0.0.1:7000", follower.Tag(LeadershipMetrics.ReplicaTag));

        state.SetLeader("10.0.0.2:7000", "http://10.0.0.2:5090");
        state.SetLeader("10.0.0.2:7000", "http://10.0.0.2:5091");
        state.SetLeader(null, null);
        using var lease = new CancellationTokenSource();
        state.StartServing(2, lease.Token, afterLeaderChange: true, DateTimeOffset.UtcNow);
        state.SetLeader("10.0.0.1:7000", null);
        Assert.Equal(2, _capture.Of(LeadershipMetrics.LeaderChangesName).Sum(m => m.Value));
        _capture.Clear();
        _capture.Collect();

        Assert.Equal(1, Assert.Single(_capture.Of(LeadershipMetrics.LeaderName)).Value);

        lease.Cancel();
        _capture.Clear();
        _capture.Collect();
        Assert.Equal(0, Assert.Single(_capture.Of(LeadershipMetrics.LeaderName)).Value);
    }

    public void Dispose()
    {
        _capture.Dispose();
        _meter.Dispose();
    }
}
