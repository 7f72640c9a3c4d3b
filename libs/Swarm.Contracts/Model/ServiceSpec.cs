namespace Swarm.Contracts.Model;

/// <summary>
/// Desired state of a service, as a user writes it. Optional members take SwarmKit's defaults.
/// </summary>
public sealed record ServiceSpec
{
    public string Name { get; init; } = "";

    /// <summary><c>replicated</c> (default), <c>global</c>, <c>replicated-job</c> or <c>global-job</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>Replica count for replicated services (default 1).</summary>
    public int? Replicas { get; init; }

    /// <summary>Replicated jobs: how many tasks must complete (default 1).</summary>
    public int? TotalCompletions { get; init; }

    /// <summary>Replicated jobs: how many tasks run at once (default 1).</summary>
    public int? MaxConcurrent { get; init; }

    /// <summary>Container image; the process and sim executors ignore it.</summary>
    public string? Image { get; init; }

    /// <summary>The command and its arguments.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public string? WorkingDir { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public RestartPolicySpec? RestartPolicy { get; init; }

    /// <summary>Time between SIGTERM and SIGKILL when a task is stopped (default 10 s).</summary>
    public double? StopGracePeriodSeconds { get; init; }

    /// <summary>User the task runs as (container executors).</summary>
    public string? User { get; init; }

    public HealthcheckSpec? Healthcheck { get; init; }
    public PlacementSpec? Placement { get; init; }
    public ResourcesSpec? Resources { get; init; }
    public IReadOnlyList<PortSpec>? Ports { get; init; }

    /// <summary>Networks the service's tasks are attached to (none: the engine's default bridge, no cluster address).</summary>
    public IReadOnlyList<NetworkAttachmentSpec>? Networks { get; init; }

    /// <summary><c>vip</c> (default): one virtual IP per network; <c>dnsrr</c>: the name resolves to every task's address.</summary>
    public string? EndpointMode { get; init; }
    public UpdateConfigSpec? UpdateConfig { get; init; }
    public UpdateConfigSpec? RollbackConfig { get; init; }

    /// <summary>Raised by <c>service update --force</c>: every task is replaced even if nothing else changed.</summary>
    public long ForceUpdate { get; init; }

    /// <summary>Secrets the tasks get as files (by name; values never travel with the spec).</summary>
    public IReadOnlyList<SecretReferenceSpec>? Secrets { get; init; }

    /// <summary>Configs the tasks get as files.</summary>
    public IReadOnlyList<ConfigReferenceSpec>? Configs { get; init; }
}
