using Swarm.Contracts.Events;

namespace Swarm.Domain.Cluster;

/// <summary>The cluster aggregate: settings that apply to every service.</summary>
public sealed record ClusterSettings
{
    public static readonly Guid DefaultId = Guid.Parse("00000000-0000-5000-8000-00000000c1c1");
    public const int DefaultTaskHistoryLimit = 5;

    /// <summary>A node certificate's lifetime unless the cluster says otherwise (SwarmKit: 90 days).</summary>
    public static readonly TimeSpan DefaultNodeCertExpiry = TimeSpan.FromDays(90);

    public Guid Id { get; init; } = DefaultId;
    public int TaskHistoryLimit { get; init; } = DefaultTaskHistoryLimit;

    /// <summary>Lifetime of node certificates issued from now on, in seconds; 0 for the default (<see cref="DefaultNodeCertExpiry"/>).</summary>
    public long NodeCertExpirySeconds { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The lifetime of node certificates issued now: the setting, or the default when it is 0.</summary>
    public TimeSpan NodeCertExpiry() => ExpiryOrDefault(NodeCertExpirySeconds);

    /// <summary>A lifetime in seconds as a span, the default for 0 (or less).</summary>
    public static TimeSpan ExpiryOrDefault(long seconds) => seconds > 0 ? TimeSpan.FromSeconds(seconds) : DefaultNodeCertExpiry;

    public static ClusterSettings Create(ClusterUpdated e) => new()
    {
        Id = e.ClusterId,
        TaskHistoryLimit = e.TaskHistoryLimit,
        NodeCertExpirySeconds = e.NodeCertExpirySeconds,
        UpdatedAt = e.At,
    };

    /// <summary>Each event carries every setting (0 expiry: the default, as events written before it existed say).</summary>
    public ClusterSettings Apply(ClusterUpdated e) => this with { TaskHistoryLimit = e.TaskHistoryLimit, NodeCertExpirySeconds = e.NodeCertExpirySeconds, UpdatedAt = e.At };
}
