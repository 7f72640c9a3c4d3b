using Grpc.Net.Client;
using Swarm.Worker.Agent;
using Swarm.Worker.Cli;

namespace Swarm.Worker.Tests.Agent;

public sealed class DispatcherEndpointsTests
{
    private static readonly Uri A = new("https://127.0.0.1:4243");
    private static readonly Uri B = new("https://127.0.0.1:4253");
    private static readonly Uri C = new("https://127.0.0.1:4263");

    private static DispatcherEndpoints Create(params Uri[] addresses) => new(addresses, uri => GrpcChannel.ForAddress(uri));

    [Fact]
    public void Failover_moves_round_the_list_once_per_observed_failure()
    {
        using var endpoints = Create(A, B, C);
        Assert.Equal(A, endpoints.Current);

        var seen = endpoints.Generation;
        Assert.True(endpoints.Failover(seen));
        // a second agent sharing the connection saw the same failure: no second move
        Assert.False(endpoints.Failover(seen));
        Assert.Equal(B, endpoints.Current);

        Assert.True(endpoints.Failover(endpoints.Generation));
        Assert.True(endpoints.Failover(endpoints.Generation));
        Assert.Equal(A, endpoints.Current);
    }

    [Fact]
    public void Follow_goes_to_the_named_leader_and_learns_an_address_it_did_not_know()
    {
        using var endpoints = Create(A, B);
        Assert.True(endpoints.Follow("https://127.0.0.1:4253", endpoints.Generation));
        Assert.Equal(B, endpoints.Current);

        // already there: nothing moves
        Assert.False(endpoints.Follow("https://127.0.0.1:4253", endpoints.Generation));

        Assert.True(endpoints.Follow("https://127.0.0.1:4263", endpoints.Generation));
        Assert.Equal(C, endpoints.Current);
        Assert.Equal([A, B, C], endpoints.Addresses);
    }

    [Fact]
    public void A_single_address_never_moves()
    {
        using var endpoints = Create(A);
        Assert.False(endpoints.Failover(endpoints.Generation));
        Assert.Equal(A, endpoints.Current);
    }

    [Fact]
    public void The_dispatcher_flag_takes_a_comma_separated_list()
    {
        var options = WorkerOptions.Parse(["--dispatcher", "https://127.0.0.1:4243, https://127.0.0.1:4253,https://127.0.0.1:4263"], engineReachable: () => false);
        Assert.Equal([A, B, C], options.Dispatchers);
        Assert.Equal(A, options.Dispatcher);

        Assert.Throws<UsageException>(() => WorkerOptions.Parse(["--dispatcher", "https://127.0.0.1:4243,ftp://x"], engineReachable: () => false));
        Assert.Throws<UsageException>(() => WorkerOptions.Parse(["--dispatcher", ","], engineReachable: () => false));
    }

    [Fact]
    public void A_leader_named_without_TLS_is_not_followed()
    {
        using var endpoints = Create(A, B);
        Assert.True(endpoints.Follow("http://127.0.0.1:4263", endpoints.Generation));

        // moved on to the next replica instead
        Assert.Equal(B, endpoints.Current);
        Assert.Equal([A, B], endpoints.Addresses);
    }

    [Fact]
    public void After_a_reconnect_calls_go_over_new_channels_and_the_old_ones_stay_until_released()
    {
        var made = new List<GrpcChannel>();
        using var endpoints = new DispatcherEndpoints([A], uri =>
        {
            var channel = GrpcChannel.ForAddress(uri);
            made.Add(channel);
            return channel;
        });
        var client = new Swarm.Dispatcher.Api.Dispatcher.DispatcherClient(endpoints);

        // a call makes the channel (the call itself fails: nothing listens)
        _ = client.HeartbeatAsync(new Swarm.Dispatcher.Api.HeartbeatRequest(), deadline: DateTime.UtcNow.AddMilliseconds(1));
        endpoints.Reconnect();
        _ = client.HeartbeatAsync(new Swarm.Dispatcher.Api.HeartbeatRequest(), deadline: DateTime.UtcNow.AddMilliseconds(1));

        Assert.Equal(2, made.Count);
        Assert.NotSame(made[0], made[1]);
    }
}
