using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Services;

public class ServiceSpecValidatorTests
{
    private static readonly ServiceSpec Valid = new() { Name = "web", Replicas = 2, Command = ["sleep", "60"] };

    [Fact]
    public void A_complete_spec_is_valid() => Assert.Null(ServiceSpecValidator.Validate(Valid));

    [Fact]
    public void Networks_with_aliases_dnsrr_with_host_ports_and_vip_with_ingress_ports_are_valid()
    {
        Assert.Null(ServiceSpecValidator.Validate(Valid with { Networks = [new NetworkAttachmentSpec { Target = "back", Aliases = ["db", "db-1"] }, new NetworkAttachmentSpec { Target = "front" }] }));
        Assert.Null(ServiceSpecValidator.Validate(Valid with { EndpointMode = "dnsrr", Ports = [new PortSpec { TargetPort = 80, PublishedPort = 8080, Mode = "host" }] }));
        Assert.Null(ServiceSpecValidator.Validate(Valid with { EndpointMode = "vip", Ports = [new PortSpec { TargetPort = 80 }, new PortSpec { TargetPort = 80, PublishedPort = 8080, Protocol = "udp" }, new PortSpec { TargetPort = 80, PublishedPort = 8080 }] }));
    }

    public static TheoryData<ServiceSpec, string> Invalid() => new()
    {
        { Valid with { Replicas = -1 }, "spec.replicas" },
        { Valid with { EndpointMode = "round-robin" }, "spec.endpointMode" },
        { Valid with { EndpointMode = "dnsrr", Ports = [new PortSpec { TargetPort = 80 }] }, "spec.ports[0].mode" },
        { Valid with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 8080 }, new PortSpec { TargetPort = 81, PublishedPort = 8080 }] }, "spec.ports[1].publishedPort" },
        { Valid with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 8080 }, new PortSpec { TargetPort = 81, PublishedPort = 8080, Mode = "host" }] }, "spec.ports[1].publishedPort" },
        { Valid with { Networks = [new NetworkAttachmentSpec { Target = "" }] }, "spec.networks[0].target" },
        { Valid with { Networks = [new NetworkAttachmentSpec { Target = "a" }, new NetworkAttachmentSpec { Target = "a" }] }, "spec.networks[1].target" },
        { Valid with { Networks = [new NetworkAttachmentSpec { Target = "a", Aliases = ["ok", "not_ok"] }] }, "spec.networks[0].aliases[1]" },
        { Valid with { Networks = [new NetworkAttachmentSpec { Target = "a", Aliases = ["-x"] }] }, "spec.networks[0].aliases[0]" },
        { Valid with { Networks = [new NetworkAttachmentSpec { Target = "a", Aliases = [new string('a', 64)] }] }, "spec.networks[0].aliases[0]" },
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

    private static ResourcesSpec Reserve(long? nanoCpus = null, long? memoryBytes = null) =>
        new() { Reservations = new ResourceAmounts { NanoCpus = nanoCpus, MemoryBytes = memoryBytes } };

    private static HealthcheckSpec Check(double? interval = null, double? timeout = null, double? startPeriod = null, int? retries = null) =>
        new() { Test = ["CMD", "true"], IntervalSeconds = interval, TimeoutSeconds = timeout, StartPeriodSeconds = startPeriod, Retries = retries };

    private static Dictionary<string, string> Many(int count, int valueLength = 1) =>
        Enumerable.Range(0, count).ToDictionary(i => $"K{i}", _ => new string('v', valueLength));

    /// <summary>Values that once passed and then broke the orchestrator or the agents, and sizes a log event should not carry.</summary>
    public static TheoryData<ServiceSpec, string> OutOfRange() => new()
    {
        { Valid with { RestartPolicy = new RestartPolicySpec { DelaySeconds = 1e12 } }, "spec.restartPolicy.delaySeconds" },
        { Valid with { RestartPolicy = new RestartPolicySpec { DelaySeconds = double.NaN } }, "spec.restartPolicy.delaySeconds" },
        { Valid with { RestartPolicy = new RestartPolicySpec { WindowSeconds = 1e12 } }, "spec.restartPolicy.windowSeconds" },
        { Valid with { RestartPolicy = new RestartPolicySpec { WindowSeconds = double.PositiveInfinity } }, "spec.restartPolicy.windowSeconds" },
        { Valid with { RestartPolicy = new RestartPolicySpec { MaxAttempts = int.MaxValue } }, "spec.restartPolicy.maxAttempts" },
        { Valid with { StopGracePeriodSeconds = 1e10 } , "spec.stopGracePeriodSeconds" },
        { Valid with { UpdateConfig = new UpdateConfigSpec { DelaySeconds = 1e12 } }, "spec.updateConfig.delaySeconds" },
        { Valid with { UpdateConfig = new UpdateConfigSpec { MonitorSeconds = 1e12 } }, "spec.updateConfig.monitorSeconds" },
        { Valid with { UpdateConfig = new UpdateConfigSpec { Parallelism = int.MaxValue } }, "spec.updateConfig.parallelism" },
        { Valid with { RollbackConfig = new UpdateConfigSpec { MonitorSeconds = -1 } }, "spec.rollbackConfig.monitorSeconds" },
        { Valid with { Healthcheck = Check(interval: 1e12) }, "spec.healthcheck.intervalSeconds" },
        { Valid with { Healthcheck = Check(interval: 0.0001) }, "spec.healthcheck.intervalSeconds" },
        { Valid with { Healthcheck = Check(timeout: -1) }, "spec.healthcheck.timeoutSeconds" },
        { Valid with { Healthcheck = Check(startPeriod: double.NaN) }, "spec.healthcheck.startPeriodSeconds" },
        { Valid with { Healthcheck = Check(retries: -1) }, "spec.healthcheck.retries" },
        { Valid with { Healthcheck = new HealthcheckSpec { Test = ["ls"] } }, "spec.healthcheck.test" },
        { Valid with { Healthcheck = new HealthcheckSpec { Test = ["CMD"] } }, "spec.healthcheck.test" },
        { Valid with { Resources = Reserve(nanoCpus: 999_999) }, "spec.resources.reservations.nanoCpus" },
        { Valid with { Resources = new ResourcesSpec { Limits = new ResourceAmounts { NanoCpus = 1 } } }, "spec.resources.limits.nanoCpus" },
        { Valid with { Resources = Reserve(memoryBytes: 4L * 1024 * 1024 - 1) }, "spec.resources.reservations.memoryBytes" },
        { Valid with { Resources = new ResourcesSpec { Limits = new ResourceAmounts { MemoryBytes = 1024 } } }, "spec.resources.limits.memoryBytes" },
        { Valid with { Ports = [new PortSpec { TargetPort = 70_000 }] }, "spec.ports[0].targetPort" },
        { Valid with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 0 }] }, "spec.ports[0].publishedPort" },
        { Valid with { Ports = Enumerable.Range(1, 1001).Select(p => new PortSpec { TargetPort = p }).ToList() }, "spec.ports" },
        { Valid with { Replicas = ServiceSpecValidator.MaxReplicas + 1 }, "spec.replicas" },
        { Valid with { Mode = "replicated-job", Replicas = null, TotalCompletions = int.MaxValue }, "spec.totalCompletions" },
        { Valid with { Mode = "replicated-job", Replicas = null, MaxConcurrent = int.MaxValue }, "spec.maxConcurrent" },
        { Valid with { Placement = new PlacementSpec { MaxReplicasPerNode = int.MaxValue } }, "spec.placement.maxReplicasPerNode" },
        { Valid with { Command = Enumerable.Repeat("x", 1001).ToList() }, "spec.command" },
        { Valid with { Command = ["sh", new string('x', 32 * 1024 + 1)] }, "spec.command[1]" },
        { Valid with { Command = ["sh", .. Enumerable.Repeat(new string('x', 30_000), 10)] }, "spec.command" },
        { Valid with { Image = new string('i', 513) }, "spec.image" },
        { Valid with { User = new string('u', 257) }, "spec.user" },
        { Valid with { Env = Many(1001) }, "spec.env" },
        { Valid with { Env = new Dictionary<string, string> { [new string('K', 257)] = "v" } }, "spec.env" },
        { Valid with { Env = new Dictionary<string, string> { ["BIG"] = new string('v', 32 * 1024 + 1) } }, "spec.env.BIG" },
        { Valid with { Env = Many(10, 30_000) }, "spec.env" },
        { Valid with { Labels = Many(1001) }, "spec.labels" },
        { Valid with { Labels = new Dictionary<string, string> { [""] = "v" } }, "spec.labels" },
        { Valid with { Labels = new Dictionary<string, string> { ["big"] = new string('v', 32 * 1024 + 1) } }, "spec.labels.big" },
        { Valid with { Placement = new PlacementSpec { Constraints = Enumerable.Repeat("node.role==worker", 1001).ToList() } }, "spec.placement.constraints" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void An_out_of_range_value_names_the_field_at_fault(ServiceSpec spec, string field)
    {
        var error = ServiceSpecValidator.Validate(spec);
        Assert.NotNull(error);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
        Assert.True(error.Reason.Length < 300, $"the reason quotes the input at length: {error.Reason.Length} characters");
    }

    public static TheoryData<ServiceSpec> AtTheBounds() => new()
    {
        Valid with { RestartPolicy = new RestartPolicySpec { DelaySeconds = ServiceSpecValidator.MaxDurationSeconds, WindowSeconds = 0 } },
        Valid with { StopGracePeriodSeconds = ServiceSpecValidator.MaxDurationSeconds, UpdateConfig = new UpdateConfigSpec { DelaySeconds = 0, MonitorSeconds = ServiceSpecValidator.MaxDurationSeconds } },
        Valid with { Healthcheck = Check(interval: 0, timeout: 0.001, startPeriod: 30, retries: 3) },
        Valid with { Healthcheck = new HealthcheckSpec { Test = ["NONE"] } },
        Valid with { Healthcheck = new HealthcheckSpec { Test = ["CMD-SHELL", "curl -f localhost"] } },
        Valid with { Resources = new ResourcesSpec { Reservations = new ResourceAmounts { NanoCpus = 1_000_000, MemoryBytes = 4L * 1024 * 1024 }, Limits = new ResourceAmounts { NanoCpus = 0, MemoryBytes = 0 } } },
        Valid with { Ports = [new PortSpec { TargetPort = 1, PublishedPort = 65535 }] },
        Valid with { Replicas = ServiceSpecValidator.MaxReplicas, Env = Many(1000), Labels = Many(1000), Command = Enumerable.Repeat("x", 1000).ToList() },
    };

    [Theory]
    [MemberData(nameof(AtTheBounds))]
    public void Values_at_the_bounds_are_valid(ServiceSpec spec) => Assert.Null(ServiceSpecValidator.Validate(spec));

    [Fact]
    public void Every_duration_the_validator_accepts_can_be_added_to_the_present()
    {
        var longest = TimeSpan.FromSeconds(ServiceSpecValidator.MaxDurationSeconds);
        Assert.True(DateTimeOffset.UtcNow + longest > DateTimeOffset.UtcNow);
        Assert.Equal(longest, RestartPolicy.From(new RestartPolicySpec { DelaySeconds = ServiceSpecValidator.MaxDurationSeconds, WindowSeconds = ServiceSpecValidator.MaxDurationSeconds }).Delay);
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
