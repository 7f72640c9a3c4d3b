using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.ControlApi.Services;

/// <summary>
/// One line of <c>GET /api/services</c>. <see cref="Replicas"/> is what should run (the replica count,
/// or for global services the tasks that should run); <see cref="Progress"/> is what
/// <c>service ls</c> shows: <c>3/3</c>, <c>global 5/5</c>, <c>job 7/10 completed</c>.
/// </summary>
public sealed record ServiceSummary(
    Guid Id,
    string Name,
    string Mode,
    int Replicas,
    int Running,
    int? Completed,
    int? TotalCompletions,
    string Progress,
    string? Image,
    IReadOnlyList<string> Command,
    UpdateStatus? UpdateStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ServiceSummary From(Service s, TaskCounts counts)
    {
        var mode = ModeOf(s.Spec);
        var (replicas, progress, completed, total) = mode switch
        {
            "global" => (counts.Live, $"global {counts.Running}/{counts.Live}", (int?)null, (int?)null),
            "replicated-job" => (s.Spec.MaxConcurrent ?? 1, $"job {counts.Completed}/{s.Spec.TotalCompletions ?? 1} completed", counts.Completed, s.Spec.TotalCompletions ?? 1),
            "global-job" => (counts.Live, $"global job {counts.Completed}/{counts.Completed + counts.Live} completed", counts.Completed, counts.Completed + counts.Live),
            _ => (s.Spec.Replicas ?? 1, $"{counts.Running}/{s.Spec.Replicas ?? 1}", null, null),
        };
        return new(s.Id, s.Name, mode, replicas, counts.Running, completed, total, progress, s.Spec.Image, s.Spec.Command, s.UpdateStatus, s.CreatedAt, s.UpdatedAt);
    }

    public static string ModeOf(ServiceSpec spec) => string.IsNullOrEmpty(spec.Mode) ? "replicated" : spec.Mode;
}

/// <summary>
/// A service's tasks counted: running (and meant to), live (meant to run, not ended) and completed
/// (job tasks of the current iteration).
/// </summary>
public sealed record TaskCounts(int Running, int Live, int Completed)
{
    public static readonly TaskCounts None = new(0, 0, 0);
}

/// <summary>
/// <c>GET /api/services/{nameOrId}</c>: the service with its whole spec. <see cref="Running"/> counts
/// tasks running and meant to run; <see cref="Completed"/> and <see cref="TotalCompletions"/> are set
/// for jobs (as in <see cref="ServiceSummary"/>); <see cref="TaskStates"/> counts the current tasks
/// (desired state running or ready) by observed state.
/// </summary>
public sealed record ServiceDetail(
    Guid Id,
    string Name,
    string Mode,
    int Replicas,
    int Running,
    int? Completed,
    int? TotalCompletions,
    IReadOnlyDictionary<string, int> TaskStates,
    long SpecVersion,
    ServiceSpec Spec,
    ServiceSpec? PreviousSpec,
    UpdateStatus? UpdateStatus,
    string Progress,
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
    public UpdateConfigSpec? UpdateConfig { get; init; }
    public UpdateConfigSpec? RollbackConfig { get; init; }

    /// <summary>Replace every task even if nothing changed.</summary>
    public bool Force { get; init; }

    /// <summary>Return to the previous spec (other members are ignored).</summary>
    public bool Rollback { get; init; }
    public ServiceSpec? Spec { get; init; }

    /// <summary>The spec version this change was made against; 409 when the service has moved on.</summary>
    public long? Version { get; init; }
}
