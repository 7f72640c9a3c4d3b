using Swarm.Contracts.Events;
using Swarm.Domain.Networks;

namespace Swarm.Domain.Tests.Networks;

public class AddressPoolTests
{
    private static Network Small() => Network.Create(new NetworkCreated { NetworkId = Guid.NewGuid(), Name = "n", Subnet = "10.1.0.0/29", Gateway = "10.1.0.1" });

    [Fact]
    public void Addresses_skip_the_gateway_and_never_repeat_while_held()
    {
        var net = Small();
        var seen = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            var a = AddressPool.Allocate(net, Guid.NewGuid())!;
            Assert.NotEqual("10.1.0.1", a.Address);
            Assert.True(seen.Add(a.Address), $"{a.Address} handed out twice");
            net = net.Apply(a);
        }

        // /29: .1 gateway, .2–.6 usable, .7 broadcast
        Assert.Null(AddressPool.Allocate(net, Guid.NewGuid()));
    }

    [Fact]
    public void A_released_address_is_reused_after_the_pool_wraps()
    {
        var net = Small();
        var first = Guid.NewGuid();
        var a = AddressPool.Allocate(net, first)!;
        net = net.Apply(a);
        for (var i = 0; i < 4; i++)
        {
            net = net.Apply(AddressPool.Allocate(net, Guid.NewGuid())!);
        }

        net = net.Apply(AddressPool.Release(net, first)!);
        Assert.Equal(a.Address, AddressPool.Allocate(net, Guid.NewGuid())!.Address);
    }

    [Fact]
    public void Allocating_twice_for_one_task_or_releasing_an_unknown_one_does_nothing()
    {
        var net = Small();
        var task = Guid.NewGuid();
        net = net.Apply(AddressPool.Allocate(net, task)!);
        Assert.Null(AddressPool.Allocate(net, task));
        Assert.Null(AddressPool.Release(net, Guid.NewGuid()));
    }

    [Fact]
    public void The_default_network_is_a_slash_16_with_gateway_dot_one()
    {
        var e = AddressPool.DefaultNetwork(DateTimeOffset.UnixEpoch);
        Assert.Equal("10.0.0.0/16", e.Subnet);
        Assert.Equal("10.0.0.1", e.Gateway);
    }

    [Fact]
    public void Many_tasks_get_distinct_addresses_in_one_decision_and_give_them_back_together()
    {
        var net = Small();
        var held = Guid.NewGuid();
        net = net.Apply(AddressPool.Allocate(net, held)!);
        var tasks = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid()).ToList();

        var allocated = AddressPool.AllocateMany(net, tasks.Prepend(held))!;

        // /29 has 5 usable addresses and one is held: 4 more, no repeats, the held task skipped
        Assert.Equal(4, allocated.Addresses.Count);
        Assert.DoesNotContain(allocated.Addresses, a => a.TaskId == held);
        Assert.Equal(4, allocated.Addresses.Select(a => a.Address).Distinct().Count());
        Assert.DoesNotContain(allocated.Addresses, a => a.Address == net.Addresses[held] || a.Address == "10.1.0.1");
        net = net.Apply(allocated);
        Assert.Null(AddressPool.AllocateMany(net, [Guid.NewGuid()]));

        var released = AddressPool.ReleaseMany(net, tasks.Take(2).Append(Guid.NewGuid()))!;
        Assert.Equal(2, released.Addresses.Count);
        net = net.Apply(released);
        Assert.Equal(2, AddressPool.AllocateMany(net, [Guid.NewGuid(), Guid.NewGuid()])!.Addresses.Count);
    }
}
