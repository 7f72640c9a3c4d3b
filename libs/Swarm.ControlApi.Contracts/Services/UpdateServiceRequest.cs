using System.Text.Json.Serialization;
using Swarm.Contracts.Model;

namespace Swarm.ControlApi.Contracts;

/// <summary>
/// Body of <c>POST /api/services/{nameOrId}/update</c>. Members left out keep their value;
/// <see cref="Spec"/>, when given, replaces the whole spec (its name must stay the same).
/// </summary>
public sealed record UpdateServiceRequest
{
    /// <summary>The spec version this change was made against; 409 when the service has moved on.</summary>
    public long? Version { get; init; }

    public int? Replicas { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public RestartPolicySpec? RestartPolicy { get; init; }
    public double? StopGracePeriodSeconds { get; init; }
    public UpdateConfigSpec? UpdateConfig { get; init; }
    public UpdateConfigSpec? RollbackConfig { get; init; }

    /// <summary>Replace every task even if nothing changed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Force { get; init; }

    /// <summary>Return to the previous spec; sent alone (other members are ignored).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Rollback { get; init; }

    /// <summary>The whole spec, with placement, resource and port changes merged in (the name stays).</summary>
    public ServiceSpec? Spec { get; init; }
}
