using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Services;

namespace Swarm.ControlApi.Services;

/// <summary>The answers of <c>/api/services</c>, built from the service read model.</summary>
public static class ServiceViews
{
    /// <summary>
    /// One line of <c>GET /api/services</c>: <see cref="ServiceSummary.Replicas"/> is the replica count, for
    /// global services the tasks that should run, for replicated jobs the tasks that may run at once.
    /// </summary>
    public static ServiceSummary Summary(Service s, TaskCounts counts)
    {
        var mode = ModeOf(s.Spec);
        var (replicas, progress, completed, total) = mode switch
        {
            "global" => (counts.Live, $"global {counts.Running}/{counts.Live}", (int?)null, (int?)null),
            "replicated-job" => (s.Spec.MaxConcurrent ?? 1, $"job {counts.Completed}/{s.Spec.TotalCompletions ?? 1} completed", counts.Completed, s.Spec.TotalCompletions ?? 1),
            "global-job" => (counts.Live, $"global job {counts.Completed}/{counts.Completed + counts.Live} completed", counts.Completed, counts.Completed + counts.Live),
            _ => (s.Spec.Replicas ?? 1, $"{counts.Running}/{s.Spec.Replicas ?? 1}", null, null),
        };
        return new()
        {
            Id = s.Id,
            Name = s.Name,
            Mode = mode,
            Replicas = replicas,
            Running = counts.Running,
            Completed = completed,
            TotalCompletions = total,
            Progress = progress,
            Image = s.Spec.Image,
            Command = s.Spec.Command,
            UpdateStatus = UpdateStatusOf(s.UpdateStatus),
            CreatedAt = s.CreatedAt,
            UpdatedAt = s.UpdatedAt,
        };
    }

    /// <summary><c>GET /api/services/{nameOrId}</c>: the summary's counts with the whole spec and the current tasks by state.</summary>
    public static ServiceDetail Detail(Service s, ServiceSummary summary, IReadOnlyDictionary<string, int> taskStates) => new()
    {
        Id = s.Id,
        Name = s.Name,
        Mode = summary.Mode,
        Replicas = summary.Replicas,
        Running = summary.Running,
        Completed = summary.Completed,
        TotalCompletions = summary.TotalCompletions,
        TaskStates = taskStates,
        SpecVersion = s.SpecVersion,
        Spec = s.Spec,
        PreviousSpec = s.PreviousSpec,
        UpdateStatus = summary.UpdateStatus,
        Progress = summary.Progress,
        ReconcileError = s.ReconcileError?.Reason,
        ReconcileErrorSince = s.ReconcileError?.Since,
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
    };

    public static string ModeOf(ServiceSpec spec) => string.IsNullOrEmpty(spec.Mode) ? "replicated" : spec.Mode;

    private static UpdateStatusView? UpdateStatusOf(UpdateStatus? status) => status is null
        ? null
        : new() { State = status.State, Message = status.Message, StartedAt = status.StartedAt, CompletedAt = status.CompletedAt };
}

/// <summary>
/// A service's tasks counted: running (and meant to), live (meant to run, not ended) and completed
/// (job tasks of the current iteration).
/// </summary>
public sealed record TaskCounts(int Running, int Live, int Completed)
{
    public static readonly TaskCounts None = new(0, 0, 0);
}
