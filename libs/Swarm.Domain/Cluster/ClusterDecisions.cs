using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Domain.Services;

namespace Swarm.Domain.Cluster;

/// <summary>
/// Pure decisions on the cluster's settings (<c>cluster update</c>): which values are acceptable, and the
/// <see cref="ClusterUpdated"/> that records every setting as it is after the change.
/// </summary>
public static class ClusterDecisions
{
    public const int MaxTaskHistoryLimit = 1000;

    /// <summary>The shortest node certificate lifetime: renewal starts at half of it, so shorter would churn.</summary>
    public const long MinNodeCertExpirySeconds = 3600;

    /// <summary>The longest node certificate lifetime: ten years.</summary>
    public const long MaxNodeCertExpirySeconds = 10L * 365 * 24 * 3600;

    /// <summary>A node certificate's lifetime while the cluster has never set one (SwarmKit: 90 days).</summary>
    public const long DefaultNodeCertExpirySeconds = 90L * 24 * 3600;

    /// <summary>The first setting of <paramref name="command"/> out of range, with why; null when all are acceptable.</summary>
    public static ValidationError? Validate(UpdateCluster command)
    {
        if (command.TaskHistoryLimit is < 0 or > MaxTaskHistoryLimit)
        {
            return new ValidationError("taskHistoryLimit", $"must be between 0 and {MaxTaskHistoryLimit}, got {command.TaskHistoryLimit}");
        }

        if (command.NodeCertExpirySeconds is < MinNodeCertExpirySeconds or > MaxNodeCertExpirySeconds)
        {
            return new ValidationError(
                "nodeCertExpirySeconds",
                $"must be between {MinNodeCertExpirySeconds} (1 hour) and {MaxNodeCertExpirySeconds} (10 years) seconds, got {command.NodeCertExpirySeconds}");
        }

        return null;
    }

    /// <summary>
    /// The lifetime in force for a recorded value: 0 (events written before the setting existed, or a cluster
    /// that never set it) means the default.
    /// </summary>
    public static long EffectiveNodeCertExpirySeconds(long recorded) => recorded > 0 ? recorded : DefaultNodeCertExpirySeconds;

    /// <summary>
    /// Changes the settings <paramref name="command"/> names, keeping the others. <paramref name="currentNodeCertExpirySeconds"/>
    /// is the node certificate lifetime the log records now (0 when never set). The event carries every
    /// setting's effective value, so a reader never has to know an earlier event. Nothing is appended when
    /// nothing changes (except the first time, which creates the cluster's stream).
    /// </summary>
    public static Decision Update(ClusterSettings? settings, long currentNodeCertExpirySeconds, UpdateCluster command, DateTimeOffset now)
    {
        if (Validate(command) is { } error)
        {
            return Decision.Invalid(error);
        }

        var current = settings ?? new ClusterSettings();
        var limit = command.TaskHistoryLimit ?? current.TaskHistoryLimit;
        var currentExpiry = EffectiveNodeCertExpirySeconds(currentNodeCertExpirySeconds);
        var expiry = command.NodeCertExpirySeconds ?? currentExpiry;
        if (settings is not null && limit == settings.TaskHistoryLimit && expiry == currentExpiry)
        {
            return Decision.Unchanged;
        }

        return Decision.Append(new ClusterUpdated { ClusterId = current.Id, TaskHistoryLimit = limit, NodeCertExpirySeconds = expiry, At = now });
    }
}
