using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

/// <summary>The network commands and the network, endpoint-mode and publish flags of <c>service create</c> and <c>service update</c>.</summary>
public class NetworkParsingTests
{
    [Fact]
    public void Network_create_takes_driver_subnet_gateway_attachable_and_labels()
    {
        var c = Cli.Command<NetworkCreate>("network", "create", "--driver", "overlay", "--subnet", "10.1.0.0/24", "--gateway", "10.1.0.1",
            "--attachable", "--label", "env=prod", "-l", "team=web", "backend");

        Assert.Equal("backend", c.Spec.Name);
        Assert.Equal("overlay", c.Spec.Driver);
        Assert.Equal("10.1.0.0/24", c.Spec.Subnet);
        Assert.Equal("10.1.0.1", c.Spec.Gateway);
        Assert.True(c.Spec.Attachable);
        Assert.Equal(new Dictionary<string, string> { ["env"] = "prod", ["team"] = "web" }, c.Spec.Labels);
    }

    [Fact]
    public void Network_create_with_only_a_name_leaves_the_rest_to_the_cluster()
    {
        var c = Cli.Command<NetworkCreate>("network", "create", "frontend");

        Assert.Equal(new NetworkSpec { Name = "frontend" }, c.Spec);
    }

    [Theory]
    [InlineData("--subnet", "10.1.0.0", "--subnet")]
    [InlineData("--subnet", "10.1.0.0/33", "--subnet")]
    [InlineData("--subnet", "300.1.0.0/24", "--subnet")]
    [InlineData("--subnet", "fd00::/64", "--subnet")]
    [InlineData("--gateway", "10.1.0", "--gateway")]
    [InlineData("--driver", "", "--driver")]
    [InlineData("--label", "=x", "--label")]
    public void Network_create_refuses_a_bad_value_naming_the_flag(string flag, string value, string named)
    {
        var args = flag == "--gateway"
            ? new[] { "network", "create", "--subnet", "10.1.0.0/24", flag, value, "backend" }
            : ["network", "create", flag, value, "backend"];

        var error = Cli.Usage(args);

        Assert.Contains($"for {named}", error.Message);
        Assert.Contains($"'{value}'", error.Message);
    }

    [Fact]
    public void Network_create_needs_a_subnet_for_a_gateway_and_exactly_one_name()
    {
        Assert.Contains("--gateway needs --subnet", Cli.Usage("network", "create", "--gateway", "10.1.0.1", "backend").Message);
        Cli.Usage("network", "create");
        Cli.Usage("network", "create", "a", "b");
    }

    [Fact]
    public void Network_ls_inspect_and_rm_take_their_flags_and_names()
    {
        Assert.Equal(new NetworkList(OutputFormat.Pretty, true), Cli.Command<NetworkList>("network", "ls", "-q"));
        Assert.Equal(new NetworkList(OutputFormat.Json, false), Cli.Command<NetworkList>("network", "list", "--format", "json"));

        var inspect = Cli.Command<NetworkInspect>("network", "inspect", "frontend", "backend");
        Assert.Equal(["frontend", "backend"], inspect.Networks);
        Assert.Equal(OutputFormat.Json, inspect.Format);
        Assert.Equal(OutputFormat.Pretty, Cli.Command<NetworkInspect>("network", "inspect", "--format", "pretty", "frontend").Format);

        Assert.Equal(["a", "b"], Cli.Command<NetworkRemove>("network", "rm", "a", "b").Networks);
        Assert.Equal(["a"], Cli.Command<NetworkRemove>("network", "remove", "a").Networks);
        Cli.Usage("network", "rm");
    }

    [Fact]
    public void Service_create_network_takes_a_name_with_aliases_and_the_long_form()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web",
            "--network", "frontend",
            "--network", "backend,alias=api,alias=api-v1",
            "--network", "name=mesh,alias=m",
            "--network", "target=other",
            "sleep", "1");

        var n = c.Spec.Networks!;
        Assert.Equal(4, n.Count);
        Assert.Equal(("frontend", (IReadOnlyList<string>?)null), (n[0].Target, n[0].Aliases));
        Assert.Equal("backend", n[1].Target);
        Assert.Equal(["api", "api-v1"], n[1].Aliases!);
        Assert.Equal("mesh", n[2].Target);
        Assert.Equal(["m"], n[2].Aliases!);
        Assert.Equal("other", n[3].Target);
    }

    [Fact]
    public void Service_create_without_network_flags_leaves_networks_and_endpoint_mode_unset()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "sleep", "1");

        Assert.Null(c.Spec.Networks);
        Assert.Null(c.Spec.EndpointMode);
    }

    [Theory]
    [InlineData("vip", "vip")]
    [InlineData("dnsrr", "dnsrr")]
    [InlineData("DNSRR", "dnsrr")]
    public void Endpoint_mode_is_vip_or_dnsrr(string given, string expected)
    {
        Assert.Equal(expected, Cli.Command<ServiceCreate>("service", "create", "--name", "web", "--endpoint-mode", given, "sleep", "1").Spec.EndpointMode);
        Assert.Equal(expected, Cli.Command<ServiceUpdate>("service", "update", "web", "--endpoint-mode", given).Changes.Networks.EndpointMode);
    }

    [Theory]
    [InlineData("--network", "", "a network name is required")]
    [InlineData("--network", "alias=x", "a network name is required")]
    [InlineData("--network", "frontend,web", "'web' is not KEY=VALUE")]
    [InlineData("--network", "frontend,alias=", "alias= needs a name")]
    [InlineData("--network", "name=a,name=b", "named twice")]
    [InlineData("--network", "frontend,driver=x", "unknown key 'driver'")]
    [InlineData("--endpoint-mode", "rr", "use vip or dnsrr")]
    public void Service_create_refuses_a_bad_network_value_naming_the_flag(string flag, string value, string why)
    {
        var error = Cli.Usage("service", "create", "--name", "web", flag, value, "sleep", "1");

        Assert.Contains($"for {flag}", error.Message);
        Assert.Contains(why, error.Message);
    }

    [Fact]
    public void The_same_network_twice_is_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--network", "frontend", "--network", "frontend,alias=x", "sleep", "1");

        Assert.Contains("--network", error.Message);
        Assert.Contains("'frontend' is given twice", error.Message);
    }

    [Theory]
    [InlineData("--network-add", "frontend,web")]
    [InlineData("--network-add", "")]
    [InlineData("--network-rm", "")]
    public void Service_update_refuses_a_bad_network_value_naming_the_flag(string flag, string value)
    {
        var error = Cli.Usage("service", "update", "web", flag, value);

        Assert.Contains($"for {flag}", error.Message);
    }

    [Fact]
    public void Adding_and_removing_the_same_network_is_refused()
    {
        var error = Cli.Usage("service", "update", "web", "--network-add", "frontend", "--network-rm", "frontend");

        Assert.Contains("both --network-add and --network-rm", error.Message);
    }

    [Fact]
    public void Network_changes_alone_are_a_change()
    {
        var c = Cli.Command<ServiceUpdate>("service", "update", "web", "--network-rm", "frontend");

        Assert.Equal(["frontend"], c.Changes.Networks.Remove);
        Assert.False(c.Changes.IsEmpty);
    }

    [Theory]
    [InlineData("8080:80", 8080, 80, null, null)]
    [InlineData("8080:80/udp", 8080, 80, "udp", null)]
    [InlineData("8080:80/TCP", 8080, 80, "tcp", null)]
    [InlineData("80", null, 80, null, null)]
    [InlineData("published=8080,target=80,protocol=udp,mode=host", 8080, 80, "udp", "host")]
    [InlineData("target=80,mode=ingress", null, 80, null, "ingress")]
    public void Publish_forms(string value, int? published, int target, string? protocol, string? mode)
    {
        var port = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "--publish", value, "sleep", "1").Spec.Ports!.Single();

        Assert.Equal(new PortSpec { PublishedPort = published, TargetPort = target, Protocol = protocol, Mode = mode }, port);
        Assert.Equal(port, Cli.Command<ServiceUpdate>("service", "update", "web", "--publish-add", value).Changes.Placement.PublishAdd.Single());
    }

    [Theory]
    [InlineData("--publish", "8080:80/icmp", "'icmp' is not a protocol")]
    [InlineData("--publish", "8080:http", "'http' is not a port")]
    [InlineData("--publish", "70000:80", "'70000' is not a port")]
    [InlineData("--publish", "1:2:3", "expected PUBLISHED:TARGET")]
    [InlineData("--publish", "published=8080", "target=PORT is required")]
    [InlineData("--publish", "target=80,mode=bridge", "'bridge' is not a publish mode")]
    [InlineData("--publish", "target=80,protocol=x", "'x' is not a protocol")]
    [InlineData("--publish", "target=80,port=1", "unknown key 'port'")]
    public void Publish_refuses_a_bad_value_naming_the_flag(string flag, string value, string why)
    {
        var error = Cli.Usage("service", "create", "--name", "web", flag, value, "sleep", "1");

        Assert.Contains($"'{value}' for {flag}:", error.Message);
        Assert.Contains(why, error.Message);

        var update = Cli.Usage("service", "update", "web", "--publish-add", value);
        Assert.Contains($"'{value}' for --publish-add:", update.Message);
    }

    private static readonly ServiceSpec Current = new()
    {
        Name = "web",
        Command = ["sleep", "1"],
        Networks = [new NetworkAttachmentSpec { Target = "frontend" }, new NetworkAttachmentSpec { Target = "3f2a0000-0000-0000-0000-000000000001", Aliases = ["w"] }],
        Ports = [new PortSpec { TargetPort = 80 }],
    };

    private static ServiceChanges ChangesOf(params string[] flags) =>
        Cli.Command<ServiceUpdate>(["service", "update", "web", .. flags]).Changes;

    [Fact]
    public void Network_add_appends_and_replaces_the_aliases_of_an_attached_network()
    {
        var spec = ChangesOf("--network-add", "backend,alias=b", "--network-add", "frontend,alias=f").ToBody(Current).Spec!;

        Assert.Equal(["frontend", "3f2a0000-0000-0000-0000-000000000001", "backend"], spec.Networks!.Select(n => n.Target));
        Assert.Equal(["f"], spec.Networks![0].Aliases!);
        Assert.Equal(["b"], spec.Networks[2].Aliases!);
        Assert.Equal(Current.Ports, spec.Ports);
    }

    [Fact]
    public void Network_rm_finds_a_network_attached_by_id_through_its_name()
    {
        var resolved = new[]
        {
            new ServiceNetworkView { Target = "frontend", NetworkId = Guid.NewGuid(), NetworkName = "frontend" },
            new ServiceNetworkView { Target = "3f2a0000-0000-0000-0000-000000000001", NetworkId = Guid.Parse("3f2a0000-0000-0000-0000-000000000001"), NetworkName = "backend" },
        };

        var spec = ChangesOf("--network-rm", "backend").ToBody(Current, resolved).Spec!;

        Assert.Equal(["frontend"], spec.Networks!.Select(n => n.Target));
    }

    [Fact]
    public void Removing_every_network_leaves_none_and_endpoint_mode_keeps_its_value_unless_given()
    {
        var current = Current with { EndpointMode = "dnsrr" };

        var spec = ChangesOf("--network-rm", "frontend", "--network-rm", "3f2a0000-0000-0000-0000-000000000001").ToBody(current).Spec!;
        Assert.Null(spec.Networks);
        Assert.Equal("dnsrr", spec.EndpointMode);

        Assert.Equal("vip", ChangesOf("--endpoint-mode", "vip").ToBody(current).Spec!.EndpointMode);
    }

    [Fact]
    public void Without_network_changes_no_spec_is_sent()
    {
        Assert.Null(ChangesOf("--replicas", "2").ToBody(Current).Spec);
    }
}
