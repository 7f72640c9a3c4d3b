using Swarm.Contracts.Model;

namespace Swarm.Ctl.Cli;

public enum OutputFormat
{
    /// <summary>Tables for lists, readable key/value text for inspect.</summary>
    Pretty,
    Json,
}

/// <summary>Whether and how long a command waits for a service to reach its replica count.</summary>
public sealed record WaitOptions(bool Wait, TimeSpan Timeout)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);
    public static readonly WaitOptions Detached = new(false, DefaultTimeout);
}

/// <summary>A parsed command line, ready to run.</summary>
public abstract record CliCommand;

public sealed record NodeList(OutputFormat Format, bool Quiet) : CliCommand;

public sealed record NodeInspect(IReadOnlyList<string> Nodes, OutputFormat Format) : CliCommand;

public sealed record NodeUpdate(
    string Node,
    NodeAvailability? Availability,
    IReadOnlyDictionary<string, string> LabelAdd,
    IReadOnlyList<string> LabelRemove) : CliCommand;

public sealed record ServiceCreate(ServiceSpec Spec, WaitOptions Wait) : CliCommand;

public sealed record ServiceList(OutputFormat Format, bool Quiet) : CliCommand;

public sealed record ServicePs(IReadOnlyList<string> Services, OutputFormat Format, bool Quiet, bool NoTrunc) : CliCommand;

public sealed record ServiceInspect(IReadOnlyList<string> Services, OutputFormat Format) : CliCommand;

/// <summary>
/// <c>service update</c>. Null members keep their value. Environment and restart flags are changes to
/// the current values, so running it needs the current spec (see <see cref="ServiceChanges"/>).
/// </summary>
public sealed record ServiceUpdate(string Service, ServiceChanges Changes, WaitOptions Wait) : CliCommand;

public sealed record ServiceRemove(IReadOnlyList<string> Services) : CliCommand;

public sealed record ServiceScale(IReadOnlyList<KeyValuePair<string, int>> Targets, WaitOptions Wait) : CliCommand;

public sealed record TaskList(string? Service, string? Node, string? DesiredState, OutputFormat Format, bool Quiet, bool NoTrunc) : CliCommand;

public sealed record TaskInspect(IReadOnlyList<string> Tasks, OutputFormat Format) : CliCommand;

/// <summary><c>task trace</c>: the task's lifecycle as a waterfall.</summary>
public sealed record TraceTask(string Task, OutputFormat Format) : CliCommand;

/// <summary>
/// <c>service logs</c> / <c>task logs</c>: the output of a service's tasks or of one task. <see cref="Tail"/>
/// null means every line kept; <see cref="Follow"/> keeps streaming until interrupted.
/// </summary>
public sealed record LogsCommand(LogSource Source, string Reference, bool Follow, int? Tail) : CliCommand;

public enum LogSource
{
    Service,
    Task,
}

public sealed record ClusterInspect(OutputFormat Format) : CliCommand;

public sealed record ClusterList(OutputFormat Format) : CliCommand;

/// <summary><c>cluster update</c>: null members keep their value; <see cref="Autolock"/> true prints the unlock key once.</summary>
public sealed record ClusterUpdate(int? TaskHistoryLimit, TimeSpan? CertExpiry = null, bool? Autolock = null, OutputFormat Format = OutputFormat.Pretty) : CliCommand;

/// <summary><c>cluster unlock</c>: the key from <see cref="KeyFile"/>, else standard input (or a prompt on a terminal), never from the command line.</summary>
public sealed record ClusterUnlock(string? KeyFile) : CliCommand;

/// <summary><c>cluster unlock-key</c>: show the unlock key (when the control API holds it), or rotate it.</summary>
public sealed record ClusterUnlockKey(bool Rotate, bool Quiet, OutputFormat Format) : CliCommand;

/// <summary><c>cluster ca</c>: show the roots; with <see cref="Rotate"/> start a rotation and, unless <see cref="Detach"/>, follow it.</summary>
public sealed record ClusterCa(bool Rotate, bool Detach, bool Quiet, OutputFormat Format) : CliCommand;

/// <summary><c>cluster ca --issue-client-cert</c>: a key made here, a certificate for it signed by the cluster, both written to <see cref="OutDir"/>.</summary>
public sealed record ClusterIssueClientCert(string OutDir, string Name) : CliCommand;

/// <summary><c>cluster join-token worker|manager</c>.</summary>
public sealed record ClusterJoinToken(string Kind, bool Rotate, bool Quiet) : CliCommand;

/// <summary><c>node rm</c>: remove nodes (a ready one only with <see cref="Force"/>).</summary>
public sealed record NodeRemove(IReadOnlyList<string> Nodes, bool Force) : CliCommand;

/// <summary><c>network create</c>.</summary>
public sealed record NetworkCreate(NetworkSpec Spec) : CliCommand;

public sealed record NetworkList(OutputFormat Format, bool Quiet) : CliCommand;

/// <summary><c>network inspect</c>: JSON unless <see cref="Format"/> asks for the readable form.</summary>
public sealed record NetworkInspect(IReadOnlyList<string> Networks, OutputFormat Format) : CliCommand;

/// <summary><c>network rm</c>: each network is tried; any failure makes the exit code 1.</summary>
public sealed record NetworkRemove(IReadOnlyList<string> Networks) : CliCommand;

/// <summary>
/// <c>secret create</c> / <c>config create</c> (<see cref="Kind"/> secret or config): the value is read from
/// <see cref="File"/>, or standard input when it is <c>-</c>, when the command runs.
/// </summary>
public sealed record SecretCreate(string Kind, string Name, string File, IReadOnlyDictionary<string, string> Labels) : CliCommand;

public sealed record SecretList(string Kind, OutputFormat Format, bool Quiet) : CliCommand;

/// <summary><c>secret inspect</c>: metadata JSON; <see cref="Pretty"/> prints readable text (for a config, with its value).</summary>
public sealed record SecretInspect(string Kind, IReadOnlyList<string> Names, bool Pretty) : CliCommand;

public sealed record SecretRemove(string Kind, IReadOnlyList<string> Names) : CliCommand;
