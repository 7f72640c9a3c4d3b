using Swarm.Contracts.Events;

namespace Swarm.Domain.Cluster;

/// <summary>The cluster aggregate: settings that apply to every service.</summary>
public sealed record ClusterSettings
{
    public static readonly Guid DefaultId = Guid.Parse("00000000-0000-5000-8000-00000000c1c1");
    public const int DefaultTaskHistoryLimit = 5;

    public Guid Id { get; init; } = DefaultId;
    public int TaskHistoryLimit { get; init; } = DefaultTaskHistoryLimit;
    public DateTimeOffset UpdatedAt { get; init; }

    public static ClusterSettings Create(ClusterUpdated e) => new() { Id = e.ClusterId, TaskHistoryLimit = e.TaskHistoryLimit, UpdatedAt = e.At };

    public ClusterSettings Apply(ClusterUpdated e) => this with { TaskHistoryLimit = e.TaskHistoryLimit, UpdatedAt = e.At };
}
