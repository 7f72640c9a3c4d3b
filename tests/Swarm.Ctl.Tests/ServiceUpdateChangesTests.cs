using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

public class ServiceUpdateChangesTests
{
    private static readonly ServiceSpec Current = new()
    {
        Name = "web",
        Mode = "replicated",
        Replicas = 3,
        Command = ["sleep", "3600"],
        Placement = new PlacementSpec
        {
            Constraints = ["node.role!=manager", "node.labels.zone==east"],
            Preferences = [new PlacementPreferenceSpec { Spread = "node.labels.rack" }],
        },
        Resources = new ResourcesSpec
        {
            Reservations = new ResourceAmounts { NanoCpus = 500_000_000, MemoryBytes = 256L << 20, Generic = new Dictionary<string, long> { ["gpu"] = 1 } },
        },
        Ports = [new PortSpec { PublishedPort = 8080, TargetPort = 80 }, new PortSpec { PublishedPort = 5353, TargetPort = 53, Protocol = "udp" }],
        UpdateConfig = new UpdateConfigSpec { Parallelism = 2, DelaySeconds = 1, FailureAction = "rollback" },
    };

    private static ServiceChanges ChangesOf(params string[] flags) =>
        Cli.Command<ServiceUpdate>(["service", "update", "web", .. flags]).Changes;

    [Fact]
    public void Update_flags_are_merged_with_the_current_update_config()
    {
        var body = ChangesOf("--update-order", "start-first", "--update-monitor", "10s").ToBody(Current);

        Assert.Equal(
            new UpdateConfigSpec { Parallelism = 2, DelaySeconds = 1, FailureAction = "rollback", MonitorSeconds = 10, Order = "start-first" },
            body.UpdateConfig);
        Assert.Null(body.RollbackConfig);
        Assert.Null(body.Spec);
    }

    [Fact]
    public void Rollback_flags_are_merged_with_the_current_rollback_config()
    {
        var body = ChangesOf("--rollback-parallelism", "0").ToBody(Current with { RollbackConfig = new UpdateConfigSpec { Order = "start-first" } });

        Assert.Equal(new UpdateConfigSpec { Parallelism = 0, Order = "start-first" }, body.RollbackConfig);
        Assert.Null(body.UpdateConfig);
    }

    [Fact]
    public void Rollback_sends_only_the_rollback_member()
    {
        var body = ChangesOf("--rollback").ToBody(Current);

        Assert.Equal(new UpdateServiceRequest { Rollback = true }, body);
        Assert.Equal("""{"rollback":true}""", System.Text.Json.JsonSerializer.Serialize(body, Swarm.Ctl.Api.ApiClient.Json));
    }

    [Theory]
    [InlineData("--image", "nginx:2")]
    [InlineData("--force")]
    [InlineData("--rollback-parallelism", "2")]
    [InlineData("--constraint-add", "node.role==worker")]
    public void Rollback_takes_no_other_change(params string[] flags)
    {
        var error = Cli.Usage(["service", "update", "web", "--rollback", .. flags]);

        Assert.StartsWith("--rollback returns to the previous spec and takes no other change", error.Message);
    }

    [Fact]
    public void Force_alone_is_a_change_and_is_sent_as_force_true()
    {
        var body = ChangesOf("--force").ToBody(Current);

        Assert.True(body.Force);
        Assert.Equal("""{"force":true}""", System.Text.Json.JsonSerializer.Serialize(body, Swarm.Ctl.Api.ApiClient.Json));
    }

    [Fact]
    public void Force_is_left_out_when_not_given()
    {
        var body = ChangesOf("--replicas", "2").ToBody(Current);

        Assert.False(body.Force);
        Assert.Equal("""{"replicas":2}""", System.Text.Json.JsonSerializer.Serialize(body, Swarm.Ctl.Api.ApiClient.Json));
    }

    [Fact]
    public void Constraint_add_and_rm_change_the_current_constraints_and_send_the_whole_spec()
    {
        var body = ChangesOf("--constraint-rm", "node.role != manager", "--constraint-add", "node.labels.disk==ssd").ToBody(Current);

        var spec = Assert.IsType<ServiceSpec>(body.Spec);
        Assert.Equal(["node.labels.zone==east", "node.labels.disk==ssd"], spec.Placement!.Constraints);
        Assert.Equal("web", spec.Name);
        Assert.Equal(Current.Command, spec.Command);
        Assert.Same(Current.Resources, spec.Resources);
        Assert.Same(Current.Ports, spec.Ports);
        Assert.Equal(Current.Placement!.Preferences, spec.Placement.Preferences);
    }

    [Fact]
    public void Adding_a_constraint_already_there_does_not_repeat_it()
    {
        var spec = ChangesOf("--constraint-add", "NODE.labels.zone == east").ToBody(Current).Spec!;

        Assert.Equal(Current.Placement!.Constraints, spec.Placement!.Constraints);
    }

    [Fact]
    public void Removing_the_last_placement_setting_leaves_no_placement()
    {
        var current = Current with { Placement = new PlacementSpec { Constraints = ["node.role==worker"] } };

        var spec = ChangesOf("--constraint-rm", "node.role==worker").ToBody(current).Spec!;

        Assert.Null(spec.Placement);
    }

    [Fact]
    public void Placement_preferences_and_platforms_are_added_and_removed()
    {
        var spec = ChangesOf(
            "--placement-pref-rm", "spread=node.labels.rack", "--placement-pref-add", "spread=node.labels.zone",
            "--platform-add", "linux/arm64", "--replicas-max-per-node", "2").ToBody(Current).Spec!;

        Assert.Equal("node.labels.zone", Assert.Single(spec.Placement!.Preferences!).Spread);
        Assert.Equal(new PlatformSpec { Os = "linux", Architecture = "arm64" }, Assert.Single(spec.Placement.Platforms!));
        Assert.Equal(2, spec.Placement.MaxReplicasPerNode);
        Assert.Equal(Current.Placement!.Constraints, spec.Placement.Constraints);
    }

    [Fact]
    public void Resource_flags_change_only_the_amounts_given()
    {
        var spec = ChangesOf("--reserve-memory", "1G", "--limit-cpu", "2", "--generic-resource-rm", "gpu", "--generic-resource-add", "fpga=1").ToBody(Current).Spec!;

        var reservations = spec.Resources!.Reservations!;
        Assert.Equal(500_000_000, reservations.NanoCpus);
        Assert.Equal(1L << 30, reservations.MemoryBytes);
        Assert.Equal(new Dictionary<string, long> { ["fpga"] = 1 }, reservations.Generic);
        Assert.Equal(new ResourceAmounts { NanoCpus = 2_000_000_000 }, spec.Resources.Limits);
        Assert.Same(Current.Placement, spec.Placement);
    }

    [Fact]
    public void Zero_reservations_remove_the_reservations()
    {
        var spec = ChangesOf("--reserve-cpu", "0", "--reserve-memory", "0", "--generic-resource-rm", "gpu").ToBody(Current).Spec!;

        Assert.Null(spec.Resources);
    }

    [Fact]
    public void Publish_rm_removes_by_target_port_and_publish_add_replaces_the_same_published_port()
    {
        var spec = ChangesOf("--publish-rm", "53/udp", "--publish-add", "8080:81", "--publish-add", "published=9000,target=90,mode=host").ToBody(Current).Spec!;

        Assert.Equal(
            [new PortSpec { PublishedPort = 8080, TargetPort = 81 }, new PortSpec { PublishedPort = 9000, TargetPort = 90, Mode = "host" }],
            spec.Ports);
    }

    [Fact]
    public void Publish_rm_without_a_protocol_removes_every_protocol_of_the_target()
    {
        var current = Current with { Ports = [new PortSpec { PublishedPort = 53, TargetPort = 53 }, new PortSpec { PublishedPort = 53, TargetPort = 53, Protocol = "udp" }] };

        Assert.Null(ChangesOf("--publish-rm", "53").ToBody(current).Spec!.Ports);
    }

    [Theory]
    [InlineData("--publish-rm", "http", "invalid value 'http' for --publish-rm: expected a target port, e.g. 80 or 53/udp")]
    [InlineData("--publish-rm", "80/icmp", "invalid value '80/icmp' for --publish-rm: expected a target port, e.g. 80 or 53/udp")]
    [InlineData("--publish-add", "99999:80", "invalid value '99999:80' for --publish-add: '99999' is not a port (1-65535)")]
    [InlineData("--placement-pref-add", "pack=x", "invalid value 'pack=x' for --placement-pref-add: expected spread=LABEL, e.g. spread=node.labels.zone")]
    [InlineData("--generic-resource-add", "gpu", "invalid value 'gpu' for --generic-resource-add: expected NAME=COUNT, e.g. gpu=2")]
    [InlineData("--reserve-memory", "lots", "invalid value 'lots' for --reserve-memory: expected bytes, e.g. 512M or 2G")]
    public void Bad_placement_change_values_are_refused_with_the_update_flag_named(string flag, string value, string message)
    {
        Assert.Equal(message, Cli.Usage("service", "update", "web", flag, value).Message);
    }

    [Fact]
    public void Placement_changes_merge_with_other_changes_in_one_body()
    {
        var body = ChangesOf("--image", "nginx:2", "--constraint-add", "node.role==worker", "--update-parallelism", "3").ToBody(Current);

        Assert.Equal("nginx:2", body.Image);
        Assert.Contains("node.role==worker", body.Spec!.Placement!.Constraints!);
        Assert.Equal(3, body.UpdateConfig!.Parallelism);
    }

    [Fact]
    public void The_nothing_to_change_message_names_the_new_flags()
    {
        var error = Cli.Usage("service", "update", "web");

        Assert.Contains("--update-*", error.Message);
        Assert.Contains("--rollback", error.Message);
        Assert.Contains("--constraint-*", error.Message);
    }
}
