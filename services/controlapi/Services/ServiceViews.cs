using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Networks;
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
            Ports = Ports(s),
            CreatedAt = s.CreatedAt,
            UpdatedAt = s.UpdatedAt,
        };
    }

    /// <summary>
    /// <c>GET /api/services/{nameOrId}</c>: the summary's counts with the whole spec, the current tasks by state, the
    /// spec's networks and the endpoint the allocator resolved; <paramref name="networks"/> are the live networks
    /// (names for the ids).
    /// </summary>
    public static ServiceDetail Detail(Service s, ServiceSummary summary, IReadOnlyDictionary<string, int> taskStates, IReadOnlyList<Network> networks) => new()
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
        Networks = NetworksOf(s.Spec, networks),
        EndpointMode = string.IsNullOrEmpty(s.Spec.EndpointMode) ? "vip" : s.Spec.EndpointMode,
        Endpoint = EndpointOf(s.Endpoint, networks),
        UpdateStatus = summary.UpdateStatus,
        Progress = summary.Progress,
        ReconcileError = s.ReconcileError?.Reason,
        ReconcileErrorSince = s.ReconcileError?.Since,
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
    };

    /// <summary>The published ports: the allocator's (every number resolved) once it gave them, else the spec's.</summary>
    public static IReadOnlyList<PortSpec> Ports(Service s) => s.Endpoint?.Ports ?? s.Spec.Ports ?? [];

    /// <summary>The spec's networks, each with the live network its target names (by id or name), if any.</summary>
    public static IReadOnlyList<ServiceNetworkView> NetworksOf(ServiceSpec spec, IReadOnlyList<Network> networks) => (spec.Networks ?? [])
        .Select(a =>
        {
            var network = Networks.NetworkQueries.Named(networks, a.Target);
            return new ServiceNetworkView { Target = a.Target, NetworkId = network?.Id, NetworkName = network?.Name, Aliases = a.Aliases ?? [] };
        })
        .ToList();

    public static ServiceEndpointView? EndpointOf(ServiceEndpoint? endpoint, IReadOnlyList<Network> networks) => endpoint is null
        ? null
        : new()
        {
            VirtualIps = endpoint.VirtualIps
                .Select(v => new VirtualIpView { NetworkId = v.NetworkId, NetworkName = networks.FirstOrDefault(n => n.Id == v.NetworkId)?.Name ?? "", Address = v.Address })
                .ToList(),
            Ports = endpoint.Ports,
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
