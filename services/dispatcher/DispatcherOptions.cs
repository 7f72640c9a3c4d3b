namespace Swarm.Dispatcher;

/// <summary>The <c>Dispatcher</c> configuration section.</summary>
public sealed class DispatcherOptions
{
    public const string Section = "Dispatcher";

    /// <summary>How often agents heartbeat (default 5 s). A node is down after <see cref="MissedHeartbeats"/> missed periods.</summary>
    public double HeartbeatPeriodSeconds { get; set; } = 5;

    /// <summary>Missed heartbeat periods after which a node is marked down (default 3).</summary>
    public int MissedHeartbeats { get; set; } = 3;

    /// <summary>How long incremental assignment changes are gathered before they are sent (default 50 ms).</summary>
    public double AssignmentFlushMilliseconds { get; set; } = 50;

    /// <summary>
    /// How often each agent session is compared with what the log assigns to its node, and sent the
    /// full set again when they differ or a task is still unacknowledged (default 15 s).
    /// </summary>
    public double FullSetSeconds { get; set; } = 15;

    /// <summary>How often the cluster CA is read again (trusted roots, a rotation under way) and this replica's own certificate checked (default 5 s).</summary>
    public double CaRefreshSeconds { get; set; } = 5;

    /// <summary>How often the set of removed nodes is read again from the node read model (default 5 s); a removal message applies it at once.</summary>
    public double RevocationRefreshSeconds { get; set; } = 5;

    /// <summary>How often the leader checks whether a root rotation can complete (default 5 s).</summary>
    public double RootRotationCheckSeconds { get; set; } = 5;

    /// <summary>The common name of this replica's manager certificate (default <c>dispatcher-HOSTNAME</c>).</summary>
    public string? CertificateName { get; set; }

    public TimeSpan CaRefreshPeriod => TimeSpan.FromSeconds(CaRefreshSeconds > 0 ? CaRefreshSeconds : 5);

    public TimeSpan RevocationRefreshPeriod => TimeSpan.FromSeconds(RevocationRefreshSeconds > 0 ? RevocationRefreshSeconds : 5);

    public TimeSpan RootRotationCheckPeriod => TimeSpan.FromSeconds(RootRotationCheckSeconds > 0 ? RootRotationCheckSeconds : 5);

    public string ManagerCertificateName =>
        string.IsNullOrWhiteSpace(CertificateName) ? $"dispatcher-{Environment.MachineName.ToLowerInvariant()}" : CertificateName.Trim();

    public TimeSpan HeartbeatPeriod => TimeSpan.FromSeconds(HeartbeatPeriodSeconds > 0 ? HeartbeatPeriodSeconds : 5);

    public TimeSpan FullSetPeriod => TimeSpan.FromSeconds(FullSetSeconds > 0 ? FullSetSeconds : 15);

    public TimeSpan AssignmentFlushDelay => TimeSpan.FromMilliseconds(AssignmentFlushMilliseconds > 0 ? AssignmentFlushMilliseconds : 50);
}
