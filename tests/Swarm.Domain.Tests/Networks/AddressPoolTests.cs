using Swarm.Domain.Networks;

namespace Swarm.Domain.Tests.Networks;

public class AddressPoolTests
{
    private static readonly Subnet Small = AddressPool.ParseSubnet("10.1.0.0/29");
    private static readonly uint Gateway = AddressPool.ToUInt("10.1.0.1");

    [Fact]
    public void Addresses_skip_the_network_address_gateway_and_broadcast_and_never_repeat_while_held()
    {
        var used = new HashSet<uint>();
        var from = Small.FirstHost;
        for (var i = 0; i < 5; i++)
        {
            var a = AddressPool.NextFree(Small, Gateway, used, from)!.Value;
            Assert.NotEqual(Gateway, a);
            Assert.True(used.Add(a), $"{AddressPool.ToText(a)} handed out twice");
            from = a + 1;
        }

        // /29: .0 network, .1 gateway, .2–.6 usable, .7 broadcast
        Assert.Equal(["10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"], used.Order().Select(AddressPool.ToText));
        Assert.Null(AddressPool.NextFree(Small, Gateway, used, from));
    }

    [Fact]
    public void A_released_address_is_found_again_after_the_search_wraps()
    {
        var used = new HashSet<uint> { AddressPool.ToUInt("10.1.0.2"), AddressPool.ToUInt("10.1.0.3"), AddressPool.ToUInt("10.1.0.5"), AddressPool.ToUInt("10.1.0.6") };
        Assert.Equal("10.1.0.4", AddressPool.ToText(AddressPool.NextFree(Small, Gateway, used, AddressPool.ToUInt("10.1.0.6"))!.Value));
    }

    [Theory]
    [InlineData("10.1.0.0/24", "10.1.0.0/24")]
    [InlineData("10.1.2.3/16", "10.1.0.0/16")]
    [InlineData("192.168.0.0/29", "192.168.0.0/29")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    public void Subnets_are_parsed_with_host_bits_cleared(string cidr, string expected) =>
        Assert.Equal(expected, AddressPool.TryParseSubnet(cidr)!.Value.ToString());

    [Theory]
    [InlineData("10.1.0.0")]
    [InlineData("10.1.0.0/30")]
    [InlineData("10.1.0.0/7")]
    [InlineData("10.1.0/24")]
    [InlineData("fe80::/64")]
    [InlineData("10.1.0.0/x")]
    [InlineData("10.1.0.256/24")]
    public void Anything_but_an_IPv4_subnet_from_slash_8_to_slash_29_is_refused(string cidr) => Assert.Null(AddressPool.TryParseSubnet(cidr));

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.128/25", true)]
    [InlineData("10.0.0.0/16", "10.0.255.0/24", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0/24", false)]
    [InlineData("10.0.0.0/8", "11.0.0.0/24", false)]
    public void Overlaps_are_symmetric(string a, string b, bool overlap)
    {
        var x = AddressPool.ParseSubnet(a);
        var y = AddressPool.ParseSubnet(b);
        Assert.Equal(overlap, x.Overlaps(y));
        Assert.Equal(overlap, y.Overlaps(x));
    }

    [Fact]
    public void The_next_free_slash_24_of_the_pool_skips_every_taken_subnet()
    {
        Assert.Equal("10.0.0.0/24", AddressPool.NextFreeSubnet([])!.Value.ToString());
        Assert.Equal("10.0.1.0/24", AddressPool.NextFreeSubnet([AddressPool.ParseSubnet("10.0.0.0/24")])!.Value.ToString());
        Assert.Equal("10.1.0.0/24", AddressPool.NextFreeSubnet([AddressPool.ParseSubnet("10.0.0.0/24"), AddressPool.ParseSubnet("10.0.1.0/25"), AddressPool.ParseSubnet("10.0.0.0/16")])!.Value.ToString());
        Assert.Equal("10.0.0.0/24", AddressPool.NextFreeSubnet([AddressPool.ParseSubnet("192.168.0.0/16")])!.Value.ToString());
        Assert.Null(AddressPool.NextFreeSubnet([AddressPool.ParseSubnet("10.0.0.0/8")]));
    }

    [Fact]
    public void The_default_network_is_ingress_on_10_0_0_0_slash_24_with_gateway_dot_one()
    {
        var e = AddressPool.DefaultNetwork(DateTimeOffset.UnixEpoch);
        Assert.Equal("ingress", e.Name);
        Assert.True(e.Ingress);
        Assert.Equal("10.0.0.0/24", e.Subnet);
        Assert.Equal("10.0.0.1", e.Gateway);
    }

    [Fact]
    public void Ingress_ports_are_taken_from_30000_to_32767_wrapping_and_none_when_all_are_held()
    {
        var held = new HashSet<int> { 30000, 30001 };
        Assert.Equal(30002, ServiceEndpointPlan.NextFreeIngressPort(held.Contains));
        Assert.Equal(30002, ServiceEndpointPlan.NextFreeIngressPort(held.Contains, 32768));
        held.Add(32767);
        Assert.Equal(30002, ServiceEndpointPlan.NextFreeIngressPort(held.Contains, 32767));
        Assert.Null(ServiceEndpointPlan.NextFreeIngressPort(_ => true));
    }
}
