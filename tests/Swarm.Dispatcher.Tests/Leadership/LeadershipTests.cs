using System.Net;
using Microsoft.Extensions.Time.Testing;
using Swarm.Dispatcher.Heartbeats;
using Swarm.Dispatcher.Leadership;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Tests.Leadership;

public sealed class LeadershipTests
{
    [Fact]
    public async Task A_lease_is_handed_to_waiters_and_ends_with_its_token()
    {
        var state = new LeadershipState("r1", clustered: true);
        Assert.False(state.IsServing);
        Assert.Equal("candidate", state.Role);
        var waiting = state.WaitServingAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        using var leadership = new CancellationTokenSource();
        var lease = state.StartServing(7, leadership.Token, afterLeaderChange: true, DateTimeOffset.UnixEpoch);
        Assert.Same(lease, await waiting);
        Assert.True(state.IsServing);
        Assert.Equal("leader", state.Role);
        Assert.Equal(7, state.RaftTerm);

        // the moment Raft cancels the token, this replica stops serving, before anyone cleans up
        await leadership.CancelAsync();
        Assert.False(state.IsServing);
        state.StopServing(lease);
        state.SetLeader("127.0.0.1:4255", "http://127.0.0.1:4253");
        Assert.Equal("follower", state.Role);
        Assert.Equal("http://127.0.0.1:4253", state.LeaderAgentAddress);
        Assert.False(state.WaitServingAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void Raft_options_map_a_member_to_its_agent_address()
    {
        var options = new RaftOptions
        {
            Self = "127.0.0.1:4255",
            Peers = ["127.0.0.1:4245", "127.0.0.1:4255", "127.0.0.1:4265"],
            AgentAddresses = ["http://127.0.0.1:4243", "http://127.0.0.1:4253", "http://127.0.0.1:4263"],
        };
        Assert.True(options.IsClustered);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 4255), options.SelfEndPoint);
        Assert.Equal("http://127.0.0.1:4263", options.AgentAddressOf(IPEndPoint.Parse("127.0.0.1:4265")));
        Assert.Null(options.AgentAddressOf(IPEndPoint.Parse("127.0.0.1:9999")));
        Assert.False(new RaftOptions().IsClustered);
        Assert.Throws<InvalidOperationException>(() => RaftOptions.ParseEndPoint("localhost"));
    }

    [Theory]
    [InlineData(150, 300)]
    [InlineData(50, 100)]
    [InlineData(1000, 2000)]
    public void A_raft_request_gives_up_before_any_candidate_stops_waiting_for_votes(int lower, int upper)
    {
        // a frozen member's vote must fail (and count as unavailable) before the candidate's own
        // election timeout, at least the lower bound, ends its round
        var options = new RaftOptions { LowerElectionTimeoutMs = lower, UpperElectionTimeoutMs = upper };
        Assert.True(options.RequestTimeout < TimeSpan.FromMilliseconds(lower), $"request timeout {options.RequestTimeout}");
        Assert.True(options.ConnectTimeout < options.RequestTimeout, $"connect timeout {options.ConnectTimeout}");
        Assert.True(options.ConnectTimeout > TimeSpan.Zero);
    }

    [Fact]
    public void After_a_leader_change_nodes_get_six_periods_to_reconnect()
    {
        var monitor = new HeartbeatMonitor(new FakeTimeProvider(), TimeSpan.FromSeconds(5));
        var changed = new LeaderLease(3, CancellationToken.None, AfterLeaderChange: true, DateTimeOffset.UnixEpoch);
        var alone = changed with { AfterLeaderChange = false };
        Assert.Equal(TimeSpan.FromSeconds(30), HeartbeatExpiryService.GraceFor(changed, monitor));
        Assert.Equal(TimeSpan.FromSeconds(15), HeartbeatExpiryService.GraceFor(alone, monitor));
    }

    [Fact]
    public void A_grace_of_its_own_sets_the_deadline_and_clear_forgets_every_node()
    {
        var time = new FakeTimeProvider();
        var monitor = new HeartbeatMonitor(time, TimeSpan.FromSeconds(1));
        var node = Guid.NewGuid();
        Assert.True(monitor.Grace(node, TimeSpan.FromSeconds(6)));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(monitor.TakeExpired());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([node], monitor.TakeExpired());

        monitor.Beat(node);
        monitor.Clear();
        Assert.False(monitor.IsTracked(node));
    }

    [Fact]
    public void Losing_the_leadership_closes_every_session()
    {
        var sessions = new SessionRegistry();
        var a = sessions.Open(Guid.NewGuid());
        var b = sessions.Open(Guid.NewGuid());
        Assert.Equal(2, sessions.CloseAll());
        Assert.True(a.IsClosed);
        Assert.True(b.IsClosed);
        Assert.Equal(0, sessions.Count);
        Assert.Null(sessions.Find(a.SessionId));
    }
}
