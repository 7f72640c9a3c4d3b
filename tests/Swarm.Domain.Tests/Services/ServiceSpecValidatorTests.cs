using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Services;

public class ServiceSpecValidatorTests
{
    private static readonly ServiceSpec Valid = new() { Name = "web", Replicas = 2, Command = ["sleep", "60"] };

    [Fact]
    public void A_complete_spec_is_valid() => Assert.Null(ServiceSpecValidator.Validate(Valid));

    public static TheoryData<ServiceSpec, string> Invalid() => new()
    {
        { Valid with { Replicas = -1 }, "spec.replicas" },
        { Valid with { Command = [] }, "spec.command" },
        { Valid with { Command = [" "] }, "spec.command" },
        { Valid with { Name = "" }, "spec.name" },
        { Valid with { Name = "no spaces" }, "spec.name" },
        { Valid with { Name = new string('a', 64) }, "spec.name" },
        { Valid with { Mode = "sometimes" }, "spec.mode" },
        { Valid with { RestartPolicy = new RestartPolicySpec { Condition = "always" } }, "spec.restartPolicy.condition" },
        { Valid with { RestartPolicy = new RestartPolicySpec { DelaySeconds = -1 } }, "spec.restartPolicy.delaySeconds" },
        { Valid with { RestartPolicy = new RestartPolicySpec { MaxAttempts = -2 } }, "spec.restartPolicy.maxAttempts" },
        { Valid with { StopGracePeriodSeconds = -3 }, "spec.stopGracePeriodSeconds" },
        { Valid with { Env = new Dictionary<string, string> { ["A=B"] = "c" } }, "spec.env" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_spec_names_the_field_at_fault(ServiceSpec spec, string field)
    {
        var error = ServiceSpecValidator.Validate(spec);
        Assert.NotNull(error);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
    }

    [Fact]
    public void Unknown_restart_condition_is_quoted_in_the_reason()
    {
        var error = ServiceSpecValidator.Validate(Valid with { RestartPolicy = new RestartPolicySpec { Condition = "always" } });
        Assert.Contains("'always'", error!.Reason);
    }

    [Fact]
    public void Normalize_fills_in_mode_and_replicas()
    {
        var spec = ServiceSpecValidator.Normalize(new ServiceSpec { Name = "x", Command = ["true"] });
        Assert.Equal("replicated", spec.Mode);
        Assert.Equal(1, spec.Replicas);
    }

    [Fact]
    public void Restart_policy_defaults_are_swarmkits()
    {
        var policy = RestartPolicy.From(null);
        Assert.Equal(RestartCondition.Any, policy.Condition);
        Assert.Equal(TimeSpan.FromSeconds(5), policy.Delay);
        Assert.Equal(0, policy.MaxAttempts);
    }
}
