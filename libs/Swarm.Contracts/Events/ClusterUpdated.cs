namespace Swarm.Contracts.Events;

/// <summary>Cluster-wide settings changed.</summary>
public sealed record ClusterUpdated
{
    public Guid ClusterId { get; init; }

    /// <summary>Ended tasks kept per slot (per node for global services).</summary>
    public int TaskHistoryLimit { get; init; }
    public DateTimeOffset At { get; init; }
}
