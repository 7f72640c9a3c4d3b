using Grpc.Net.Client;
using Swarm.Worker.Agent;
using Swarm.Worker.Cli;

namespace Swarm.Worker.Tests.Agent;

public sealed class DispatcherEndpointsTests
{
    private static readonly Uri A = new("http://127.0.0.1:4243");
    private static readonly Uri B = new("http://127.0.0.1:4253");
    private static readonly Uri C = new("http://127.0.0.1:4263");

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
        Assert.True(endpoints.Follow("http://127.0.0.1:4253", endpoints.Generation));
        Assert.Equal(B, endpoints.Current);

        // already there: nothing moves
        Assert.False(endpoints.Follow("http://127.0.0.1:4253", endpoints.Generation));

        Assert.True(endpoints.Follow("http://127.0.0.1:4263", endpoints.Generation));
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
        var options = WorkerOptions.Parse(["--dispatcher", "http://127.0.0.1:4243, http://127.0.0.1:4253,http://127.0.0.1:4263"], engineReachable: () => false);
        Assert.Equal([A, B, C], options.Dispatchers);
        Assert.Equal(A, options.Dispatcher);

        Assert.Throws<UsageException>(() => WorkerOptions.Parse(["--dispatcher", "http://127.0.0.1:4243,ftp://x"], engineReachable: () => false));
        Assert.Throws<UsageException>(() => WorkerOptions.Parse(["--dispatcher", ","], engineReachable: () => false));
    }
}
