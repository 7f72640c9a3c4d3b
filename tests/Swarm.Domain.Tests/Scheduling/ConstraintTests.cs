using Swarm.Domain.Scheduling;
using static Swarm.Domain.Tests.Scheduling.SchedulingFixtures;

namespace Swarm.Domain.Tests.Scheduling;

public class ConstraintTests
{
    [Theory]
    [InlineData("node.labels.zone==east")]
    [InlineData("node.role != manager")]
    [InlineData("engine.labels.storage==ssd")]
    [InlineData("node.ip==10.0.0.0/8")]
    [InlineData("node.platform.arch==x86_64")]
    [InlineData("NODE.Hostname==web-1")]
    public void Valid_expressions_parse(string expression)
    {
        var (constraint, error) = Constraint.Parse(expression);
        Assert.Null(error);
        Assert.NotNull(constraint);
    }

    [Theory]
    [InlineData("node.labels.zone=east")]
    [InlineData("node.colour==red")]
    [InlineData("node.labels.==x")]
    [InlineData("==east")]
    [InlineData("node.labels.zone==")]
    [InlineData("node.ip==not-an-ip")]
    [InlineData("node.labels.a==b==c")]
    public void Malformed_expressions_are_refused_with_the_expression_quoted(string expression)
    {
        var (constraint, error) = Constraint.Parse(expression, "spec.placement.constraints[0]");
        Assert.Null(constraint);
        Assert.Equal("spec.placement.constraints[0]", error!.Field);
        Assert.Contains($"'{expression}'", error.Reason);
    }

    [Fact]
    public void Keys_compare_their_values_case_insensitively()
    {
        var node = Node("Web-1", labels: new() { ["zone"] = "East" }, engineLabels: new() { ["disk"] = "SSD" }, role: "manager", address: "10.1.2.3");
        Assert.True(Matches("node.hostname==web-1", node));
        Assert.True(Matches("node.labels.zone==east", node));
        Assert.True(Matches("engine.labels.disk==ssd", node));
        Assert.True(Matches("node.role==MANAGER", node));
        Assert.True(Matches($"node.id=={node.Id}", node));
        Assert.True(Matches("node.platform.os==Linux", node));
        Assert.True(Matches("node.platform.arch==amd64", node));
        Assert.False(Matches("node.labels.zone!=east", node));
    }

    [Fact]
    public void Node_ip_matches_an_address_or_a_range()
    {
        var node = Node("a", address: "192.168.1.20");
        Assert.True(Matches("node.ip==192.168.1.20", node));
        Assert.True(Matches("node.ip==192.168.0.0/16", node));
        Assert.False(Matches("node.ip==10.0.0.0/8", node));
        Assert.True(Matches("node.ip!=10.0.0.0/8", node));
    }

    [Fact]
    public void A_missing_label_fails_equal_and_satisfies_not_equal()
    {
        var node = Node("a");
        Assert.False(Matches("node.labels.zone==east", node));
        Assert.True(Matches("node.labels.zone!=east", node));
    }

    [Fact]
    public void Operator_labels_override_agent_labels()
    {
        var node = Node("a") with { Labels = new Dictionary<string, string> { ["zone"] = "west" } };
        node = node with { Description = node.Description with { Labels = new Dictionary<string, string> { ["zone"] = "east" } } };
        Assert.True(Matches("node.labels.zone==west", node));
    }

    [Fact]
    public void NodeMatches_checks_constraints_and_platforms_with_a_reason()
    {
        var node = Node("a", arch: "aarch64", labels: new() { ["zone"] = "east" });
        Assert.True(Constraint.NodeMatches(Spec(constraints: ["node.labels.zone==east"], platforms: [new() { Os = "linux", Architecture = "arm64" }]), node, out var none));
        Assert.Null(none);

        Assert.False(Constraint.NodeMatches(Spec(constraints: ["node.labels.zone==west"]), node, out var reason));
        Assert.Equal("constraint 'node.labels.zone==west' not satisfied", reason);

        Assert.False(Constraint.NodeMatches(Spec(platforms: [new() { Architecture = "amd64" }]), node, out reason));
        Assert.Equal("unsupported platform", reason);
    }

    private static bool Matches(string expression, Swarm.Domain.Nodes.Node node) => Constraint.Parse(expression).Constraint!.Matches(node);
}
