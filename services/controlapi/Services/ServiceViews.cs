using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.ControlApi.Services;

/// <summary>One line of <c>GET /api/services</c>.</summary>
public sealed record ServiceSummary(
    Guid Id,
    string Name,
    string Mode,
    int Replicas,
    int Running,
    string? Image,
    IReadOnlyList<string> Command,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ServiceSummary From(Service s, int running) => new(
        s.Id, s.Name, ModeOf(s.Spec), s.Spec.Replicas ?? 1, running, s.Spec.Image, s.Spec.Command, s.CreatedAt, s.UpdatedAt);

    public static string ModeOf(ServiceSpec spec) => string.IsNullOrEmpty(spec.Mode) ? "replicated" : spec.Mode;
}

/// <summary>
/// <c>GET /api/services/{nameOrId}</c>: the service with its whole spec. <see cref="Running"/> counts
/// tasks running and meant to run; <see cref="TaskStates"/> counts the current tasks (desired state
/// running or ready) by observed state.
/// </summary>
public sealed record ServiceDetail(
    Guid Id,
    string Name,
    string Mode,
    int Replicas,
    int Running,
    IReadOnlyDictionary<string, int> TaskStates,
    long SpecVersion,
    ServiceSpec Spec,
    ServiceSpec? PreviousSpec,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>
/// Body of <c>POST /api/services/{nameOrId}/update</c>. Members left out keep their value;
/// <see cref="Spec"/>, when given, replaces the whole spec (its name must stay the same).
/// </summary>
public sealed record UpdateServiceRequest
{
    public int? Replicas { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public RestartPolicySpec? RestartPolicy { get; init; }
    public double? StopGracePeriodSeconds { get; init; }
    public ServiceSpec? Spec { get; init; }
}
