using Swarm.Contracts.Model;
using Swarm.Domain.Scheduling;
using static Swarm.Domain.Tests.Scheduling.SchedulingFixtures;

namespace Swarm.Domain.Tests.Scheduling;

public class PlacementValidatorTests
{
    [Fact]
    public void A_full_valid_placement_passes() =>
        Assert.Null(PlacementValidator.Validate(Spec(
            constraints: ["node.labels.zone==east", "node.role!=manager"],
            spread: ["node.labels.zone"],
            maxPerNode: 2,
            cpus: 1.5,
            memory: 512L << 20,
            generic: new() { ["gpu"] = 1 },
            ports: [new() { TargetPort = 80, PublishedPort = 8080, Mode = "host" }],
            platforms: [new() { Os = "linux", Architecture = "amd64" }])));

    [Fact]
    public void A_malformed_constraint_is_refused_with_the_expression_quoted()
    {
        var error = PlacementValidator.Validate(Spec(constraints: ["node.role==manager", "zone=east"]))!;
        Assert.Equal("spec.placement.constraints[1]", error.Field);
        Assert.Contains("'zone=east'", error.Reason);
    }

    [Theory]
    [InlineData("zone")]
    [InlineData("node.labels.")]
    [InlineData("node.hostname")]
    public void A_bad_spread_descriptor_is_refused(string spread) =>
        Assert.Equal("spec.placement.preferences[0].spread", PlacementValidator.Validate(Spec(spread: [spread]))!.Field);

    [Fact]
    public void Negative_amounts_are_refused()
    {
        Assert.Equal("spec.resources.reservations.nanoCpus", PlacementValidator.Validate(Spec(cpus: -1))!.Field);
        Assert.Equal("spec.resources.reservations.memoryBytes", PlacementValidator.Validate(Spec(memory: -1))!.Field);
        Assert.Equal("spec.resources.reservations.generic.gpu", PlacementValidator.Validate(Spec(generic: new() { ["gpu"] = -2 }))!.Field);
        Assert.Equal("spec.placement.maxReplicasPerNode", PlacementValidator.Validate(Spec(maxPerNode: -1))!.Field);
    }

    [Theory]
    [InlineData(0, null, null, "spec.ports[0].targetPort")]
    [InlineData(80, 70000, null, "spec.ports[0].publishedPort")]
    [InlineData(80, null, "host", "spec.ports[0].publishedPort")]
    [InlineData(80, 8080, "bridge", "spec.ports[0].mode")]
    public void Bad_ports_are_refused(int target, int? published, string? mode, string field) =>
        Assert.Equal(field, PlacementValidator.Validate(Spec(ports: [new() { TargetPort = target, PublishedPort = published, Mode = mode }]))!.Field);

    [Fact]
    public void A_platform_must_name_something() =>
        Assert.Equal("spec.placement.platforms[0]", PlacementValidator.Validate(Spec(platforms: [new PlatformSpec()]))!.Field);
}
