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

public sealed record ClusterUpdate(int TaskHistoryLimit) : CliCommand;
