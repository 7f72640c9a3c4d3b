using Swarm.Contracts.Model;

namespace Swarm.Worker.Exec;

/// <summary>What a task runs, as the agent received it.</summary>
public sealed record TaskRunSpec
{
    public static readonly TimeSpan DefaultStopGracePeriod = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Command { get; init; } = [];
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public string? WorkingDir { get; init; }
    public double? StopGracePeriodSeconds { get; init; }
    public string? Image { get; init; }

    /// <summary>Container executors: the user the task runs as.</summary>
    public string? User { get; init; }

    /// <summary>Container executors: labels from the service spec.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>CPU limit in billionths of a core; 0 means none.</summary>
    public long LimitNanoCpus { get; init; }

    /// <summary>Memory limit in bytes; 0 means none.</summary>
    public long LimitMemoryBytes { get; init; }

    public TaskHealthcheck? Healthcheck { get; init; }

    /// <summary>Ports the task publishes, with the numbers the allocator resolved.</summary>
    public IReadOnlyList<TaskPort> Ports { get; init; } = [];

    /// <summary>The networks the task is attached to, with its address on each (none: the engine's default).</summary>
    public IReadOnlyList<TaskNetwork> Networks { get; init; } = [];

    /// <summary>Secrets the task reads as files (under <c>/run/secrets</c> in a container, <c>$SWARM_SECRETS_DIR</c> for a process).</summary>
    public IReadOnlyList<TaskFileReference> Secrets { get; init; } = [];

    /// <summary>Configs the task reads as files (at their target in a container, under <c>$SWARM_CONFIGS_DIR</c> for a process).</summary>
    public IReadOnlyList<TaskFileReference> Configs { get; init; } = [];

    /// <summary>Time between SIGTERM and SIGKILL when the task is stopped.</summary>
    public TimeSpan StopGracePeriod =>
        StopGracePeriodSeconds is { } s && s >= 0 ? TimeSpan.FromSeconds(s) : DefaultStopGracePeriod;
}

/// <summary>A published port: <c>ingress</c> (the agent's routing mesh forwards it) or <c>host</c> (bound on the container).</summary>
public sealed record TaskPort(int Target, int Published, string Protocol = "tcp", string Mode = "ingress")
{
    public bool IsHost => string.Equals(Mode, "host", StringComparison.OrdinalIgnoreCase);
    public bool IsUdp => string.Equals(Protocol, "udp", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One network attachment of a task, as the allocator gave it.</summary>
public sealed record TaskNetwork
{
    /// <summary>The name of the cluster's ingress network (the routing mesh's addresses).</summary>
    public const string IngressName = "ingress";

    public string NetworkId { get; init; } = "";
    public string NetworkName { get; init; } = "";
    public string Driver { get; init; } = "";

    /// <summary>CIDR, e.g. <c>10.0.1.0/24</c>.</summary>
    public string Subnet { get; init; } = "";
    public string Gateway { get; init; } = "";

    /// <summary>The task's address (no prefix length).</summary>
    public string Address { get; init; } = "";
    public string? VirtualIp { get; init; }

    /// <summary>The service name first, then the spec's aliases.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

/// <summary>
/// A secret or config as a task sees it: one file. <see cref="Id"/> names the value the assignments carry (empty: no
/// live secret or config has the name, and the task cannot run). The value itself is never here.
/// </summary>
public sealed record TaskFileReference
{
    /// <summary>The mode of a file whose reference gives none: 0444, as Docker's.</summary>
    public const uint DefaultMode = 0x124; // 0444

    public string Id { get; init; } = "";
    public string Name { get; init; } = "";

    /// <summary>A file name under <c>/run/secrets</c> (secrets); a file name under <c>/</c> or an absolute path (configs).</summary>
    public string Target { get; init; } = "";

    /// <summary>Numeric owner of the file (null: 0, as Docker's).</summary>
    public string? Uid { get; init; }

    /// <summary>Numeric group of the file (null: 0, as Docker's).</summary>
    public string? Gid { get; init; }

    /// <summary>Permission bits; 0 means <see cref="DefaultMode"/>.</summary>
    public uint Mode { get; init; }

    /// <summary>The permission bits the file gets.</summary>
    public UnixFileMode FileMode => (UnixFileMode)((Mode == 0 ? DefaultMode : Mode) & 0x1FF);
}

/// <summary>A container healthcheck: while it has not passed the task stays <c>starting</c>.</summary>
public sealed record TaskHealthcheck
{
    /// <summary>As in Docker: <c>["CMD", "prog", "arg"]</c>, <c>["CMD-SHELL", "command line"]</c> or <c>["NONE"]</c>.</summary>
    public IReadOnlyList<string> Test { get; init; } = [];
    public TimeSpan? Interval { get; init; }
    public TimeSpan? Timeout { get; init; }
    public int? Retries { get; init; }
    public TimeSpan? StartPeriod { get; init; }
}

/// <summary>A task assigned to this node, with the states the managers know of.</summary>
public sealed record TaskAssignment
{
    public string TaskId { get; init; } = "";
    public string ServiceId { get; init; } = "";
    public string ServiceName { get; init; } = "";
    public int Slot { get; init; }
    public TaskRunSpec Spec { get; init; } = new();
    public DesiredState DesiredState { get; init; }
    public TaskState State { get; init; }

    /// <summary>The node the managers assigned the task to.</summary>
    public string NodeId { get; init; } = "";

    /// <summary>W3C traceparent of the task's lifecycle trace, when the managers traced it.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>
/// How a task's process ended. A null exit code means it is not known; an error means the task
/// failed whatever its exit code (an unhealthy container).
/// </summary>
public sealed record TaskExit(int? ExitCode, string? Error = null);

/// <summary>One line of a task's output.</summary>
public sealed record LogEntry(string TaskId, string Stream, string Text, DateTimeOffset At);

/// <summary>A task state the agent reports.</summary>
public sealed record StatusUpdate(string TaskId, TaskState State, string Message, string? Error, int? ExitCode, DateTimeOffset At);

/// <summary>The executor cannot run the task (the task ends <c>rejected</c> with this reason).</summary>
public sealed class TaskRejectedException(string message) : Exception(message);

/// <summary>The task started but cannot go on (the task ends <c>failed</c> with this reason).</summary>
public sealed class TaskFailedException(string message) : Exception(message);
