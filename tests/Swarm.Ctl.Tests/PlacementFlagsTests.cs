using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

public class PlacementFlagsTests
{
    [Fact]
    public void Placement_flags_fill_the_spec()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "api",
            "--constraint", "node.labels.zone==east", "--constraint", "node.role!=manager",
            "--placement-pref", "spread=node.labels.zone", "--placement-pref", "spread=node.labels.rack",
            "--replicas-max-per-node", "2", "--platform", "linux/amd64", "--platform", "linux/arm64",
            "--", "./api");

        var placement = c.Spec.Placement!;
        Assert.Equal(["node.labels.zone==east", "node.role!=manager"], placement.Constraints);
        Assert.Equal(["node.labels.zone", "node.labels.rack"], placement.Preferences!.Select(p => p.Spread));
        Assert.Equal(2, placement.MaxReplicasPerNode);
        Assert.Equal([("linux", "amd64"), ("linux", "arm64")], placement.Platforms!.Select(p => (p.Os, p.Architecture)));
    }

    [Fact]
    public void Resource_flags_fill_reservations_and_limits()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "api",
            "--reserve-cpu", "1.5", "--reserve-memory", "512M", "--generic-resource", "gpu=2",
            "--limit-cpu", "2", "--limit-memory", "1GiB", "sleep", "1");

        var r = c.Spec.Resources!;
        Assert.Equal(1_500_000_000, r.Reservations!.NanoCpus);
        Assert.Equal(512L << 20, r.Reservations.MemoryBytes);
        Assert.Equal(2, r.Reservations.Generic!["gpu"]);
        Assert.Equal(2_000_000_000, r.Limits!.NanoCpus);
        Assert.Equal(1L << 30, r.Limits.MemoryBytes);
    }

    [Fact]
    public void Publish_takes_the_long_and_the_short_form()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web",
            "--publish", "published=8080,target=80,mode=host", "-p", "5353:53/udp", "sleep", "1");

        var host = c.Spec.Ports![0];
        Assert.Equal((8080, 80, "host"), (host.PublishedPort!.Value, host.TargetPort, host.Mode!));
        var udp = c.Spec.Ports[1];
        Assert.Equal((5353, 53, "udp"), (udp.PublishedPort!.Value, udp.TargetPort, udp.Protocol!));
    }

    [Fact]
    public void Without_placement_flags_the_spec_has_none()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "sleep", "1");
        Assert.Null(c.Spec.Placement);
        Assert.Null(c.Spec.Resources);
        Assert.Null(c.Spec.Ports);
    }

    [Theory]
    [InlineData("--placement-pref", "zone")]
    [InlineData("--reserve-cpu", "lots")]
    [InlineData("--reserve-memory", "12Q")]
    [InlineData("--generic-resource", "gpu")]
    [InlineData("--platform", "linux/amd64/v8")]
    [InlineData("--publish", "published=8080")]
    [InlineData("--publish", "published=8080,target=80,mode=bridge")]
    [InlineData("--publish", "70000:80")]
    [InlineData("--replicas-max-per-node", "-1")]
    public void Bad_values_are_usage_errors_naming_the_flag(string flag, string value)
    {
        var error = Cli.Usage("service", "create", "--name", "web", flag, value, "sleep", "1");
        Assert.Contains(flag.TrimStart('-'), error.Message);
    }
}
