using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Networks;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Networks;

public class NetworkDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.NewGuid();
    private static readonly Network Ingress = Network.Create(AddressPool.DefaultNetwork(Now));

    private static Network Net(string name, string subnet) => Network.Create(new NetworkCreated
    {
        NetworkId = Guid.NewGuid(), Name = name, Subnet = subnet, Gateway = AddressPool.ToText(AddressPool.ParseSubnet(subnet).FirstHost), At = Now,
    });

    private static NetworkCreated Created(Decision d)
    {
        Assert.Null(d.Rejected);
        return Assert.IsType<NetworkCreated>(Assert.Single(d.Events));
    }

    private static void Rejected(Decision d, string code, string field, string? reasonContains = null)
    {
        Assert.Empty(d.Events);
        Assert.NotNull(d.Rejected);
        Assert.Equal(code, d.Rejected!.Code);
        Assert.Equal(field, d.Rejected.Error.Field);
        if (reasonContains is not null)
        {
            Assert.Contains(reasonContains, d.Rejected.Error.Reason);
        }
    }

    [Fact]
    public void Without_a_subnet_a_network_gets_the_next_free_slash_24_an_overlay_driver_and_gateway_dot_one()
    {
        var e = Created(NetworkDecisions.Create(null, Id, new NetworkSpec { Name = "back", Attachable = true, Labels = new Dictionary<string, string> { ["team"] = "a" } }, [Ingress, Net("x", "10.0.1.0/24")], Now));
        Assert.Equal("10.0.2.0/24", e.Subnet);
        Assert.Equal("10.0.2.1", e.Gateway);
        Assert.Equal("overlay", e.Driver);
        Assert.Equal(Id, e.NetworkId);
        Assert.True(e.Attachable);
        Assert.False(e.Ingress);
        Assert.Equal("a", e.Labels!["team"]);
    }

    [Fact]
    public void A_given_subnet_and_gateway_are_kept()
    {
        var e = Created(NetworkDecisions.Create(null, Id, new NetworkSpec { Name = "big", Subnet = "10.8.0.0/16", Gateway = "10.8.0.254" }, [Ingress], Now));
        Assert.Equal("10.8.0.0/16", e.Subnet);
        Assert.Equal("10.8.0.254", e.Gateway);
    }

    [Fact]
    public void A_subnet_overlapping_a_live_network_is_refused_naming_it()
    {
        Rejected(NetworkDecisions.Create(null, Id, new NetworkSpec { Name = "b", Subnet = "10.0.0.128/25" }, [Ingress], Now), Rejection.Conflict, "spec.subnet", "'ingress'");
        Rejected(NetworkDecisions.Create(null, Id, new NetworkSpec { Name = "b", Subnet = "10.5.0.0/16" }, [Ingress, Net("five", "10.5.3.0/24")], Now), Rejection.Conflict, "spec.subnet", "'five'");
    }

    [Fact]
    public void A_taken_name_is_a_conflict() =>
        Rejected(NetworkDecisions.Create(null, Id, new NetworkSpec { Name = "x" }, [Ingress, Net("x", "10.0.1.0/24")], Now), Rejection.Conflict, "spec.name", "'x'");

    [Fact]
    public void A_create_of_a_network_that_exists_under_its_own_id_was_already_done()
    {
        var existing = Network.Create(new NetworkCreated { NetworkId = Id, Name = "back", Subnet = "10.0.1.0/24", Gateway = "10.0.1.1" });
        var d = NetworkDecisions.Create(existing, Id, new NetworkSpec { Name = "back" }, [Ingress, existing], Now);
        Assert.Null(d.Rejected);
        Assert.Empty(d.Events);
    }

    public static TheoryData<NetworkSpec, string> Invalid() => new()
    {
        { new NetworkSpec { Name = "" }, "spec.name" },
        { new NetworkSpec { Name = "-x" }, "spec.name" },
        { new NetworkSpec { Name = "a b" }, "spec.name" },
        { new NetworkSpec { Name = new string('n', 64) }, "spec.name" },
        { new NetworkSpec { Name = "n", Driver = "bridge" }, "spec.driver" },
        { new NetworkSpec { Name = "n", Driver = "macvlan" }, "spec.driver" },
        { new NetworkSpec { Name = "n", Subnet = "10.1.0.0/30" }, "spec.subnet" },
        { new NetworkSpec { Name = "n", Subnet = "10.1.0.0/7" }, "spec.subnet" },
        { new NetworkSpec { Name = "n", Subnet = "banana" }, "spec.subnet" },
        { new NetworkSpec { Name = "n", Subnet = "10.1.0.0/24", Gateway = "10.2.0.1" }, "spec.gateway" },
        { new NetworkSpec { Name = "n", Subnet = "10.1.0.0/24", Gateway = "10.1.0.255" }, "spec.gateway" },
        { new NetworkSpec { Name = "n", Subnet = "10.1.0.0/24", Gateway = "nope" }, "spec.gateway" },
        { new NetworkSpec { Name = "n", Gateway = "10.1.0.1" }, "spec.gateway" },
        { new NetworkSpec { Name = "n", Labels = new Dictionary<string, string> { [""] = "x" } }, "spec.labels" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_specs_are_refused_naming_the_field(NetworkSpec spec, string field) =>
        Rejected(NetworkDecisions.Create(null, Id, spec, [Ingress], Now), Rejection.Invalid, field);

    [Fact]
    public void A_network_in_use_cannot_be_removed_and_the_reason_names_the_services()
    {
        var net = Net("back", "10.0.1.0/24");
        Rejected(NetworkDecisions.Remove(net, "back", ["web", "api"], Now), Rejection.Conflict, "network", "'api', 'web'");
        var removed = Assert.IsType<NetworkRemoved>(Assert.Single(NetworkDecisions.Remove(net, "back", [], Now).Events));
        Assert.Equal(net.Id, removed.NetworkId);
        Assert.Equal("back", removed.Name);
    }

    [Fact]
    public void Ingress_is_never_removed_and_the_reason_says_why() =>
        Rejected(NetworkDecisions.Remove(Ingress, "ingress", [], Now), Rejection.Conflict, "network", "Docker allows it");

    [Fact]
    public void Removing_a_missing_or_removed_network_is_not_found()
    {
        Rejected(NetworkDecisions.Remove(null, "zzz", [], Now), Rejection.NotFound, "network", "'zzz'");
        var net = Net("back", "10.0.1.0/24");
        Rejected(NetworkDecisions.Remove(net.Apply(new NetworkRemoved { NetworkId = net.Id }), "back", [], Now), Rejection.NotFound, "network");
    }
}
