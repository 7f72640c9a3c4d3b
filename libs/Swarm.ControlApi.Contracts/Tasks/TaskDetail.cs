using Swarm.Contracts.Model;

namespace Swarm.ControlApi.Contracts;

/// <summary><c>GET /api/tasks/{id}</c>: the task read model plus every event of its stream.</summary>
public sealed record TaskDetail
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Service { get; init; } = "";
    public Guid ServiceId { get; init; }
    public int Slot { get; init; }
    public int Attempt { get; init; }
    public string? Node { get; init; }
    public Guid? NodeId { get; init; }
    public TaskState State { get; init; }
    public DesiredState DesiredState { get; init; }
    public string Message { get; init; } = "";
    public string? Error { get; init; }
    public int? ExitCode { get; init; }
    public string? Address { get; init; }

    /// <summary>The task's addresses, one per attached network (empty before allocation or for a service on no network).</summary>
    public IReadOnlyList<TaskNetworkView> Networks { get; init; } = [];

    /// <summary>Published ports with every number resolved (the spec's before allocation).</summary>
    public IReadOnlyList<PortSpec> Ports { get; init; } = [];
    public Guid? NetworkId { get; init; }
    public long SpecVersion { get; init; }
    public ServiceSpec Spec { get; init; } = new();
    public DateTimeOffset? StartAfter { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public IReadOnlyList<TaskHistoryEntry> History { get; init; } = [];
}
