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

    public TimeSpan HeartbeatPeriod => TimeSpan.FromSeconds(HeartbeatPeriodSeconds > 0 ? HeartbeatPeriodSeconds : 5);

    public TimeSpan FullSetPeriod => TimeSpan.FromSeconds(FullSetSeconds > 0 ? FullSetSeconds : 15);

    public TimeSpan AssignmentFlushDelay => TimeSpan.FromMilliseconds(AssignmentFlushMilliseconds > 0 ? AssignmentFlushMilliseconds : 50);
}
