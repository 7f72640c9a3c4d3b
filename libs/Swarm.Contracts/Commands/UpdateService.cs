using Swarm.Contracts.Model;

namespace Swarm.Contracts.Commands;

/// <summary>
/// Change a service. <see cref="Service"/> is its name or id. Members left null keep their value;
/// <see cref="Spec"/>, when given, replaces the whole spec (its name must stay the same).
/// </summary>
public sealed record UpdateService
{
    public Guid CommandId { get; init; }
    public string Service { get; init; } = "";
    public ServiceSpec? Spec { get; init; }
    public int? Replicas { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public RestartPolicySpec? RestartPolicy { get; init; }
    public double? StopGracePeriodSeconds { get; init; }
    public UpdateConfigSpec? UpdateConfig { get; init; }
    public UpdateConfigSpec? RollbackConfig { get; init; }

    /// <summary>Replace every task even if its spec did not change.</summary>
    public bool Force { get; init; }

    /// <summary>Go back to the previous spec (every other member is ignored).</summary>
    public bool Rollback { get; init; }

    /// <summary>
    /// The spec version the change was made against (a client that read the spec and sends values
    /// derived from it): refused as a conflict when the service has moved on since. Null: no check.
    /// </summary>
    public long? ExpectedVersion { get; init; }
}
