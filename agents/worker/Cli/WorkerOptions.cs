using System.Globalization;
using Swarm.Security;

namespace Swarm.Worker.Cli;

/// <summary>The agent's command line.</summary>
public sealed record WorkerOptions
{
    public const string Usage = """
        Usage: Swarm.Worker [options]

        Runs a node agent: registers with the dispatcher, receives tasks and runs them.

        The agent talks to the dispatcher over mutual TLS with its own certificate. The first
        start joins the cluster: it needs a join token, pins the cluster's root CA by the
        token's digest (a server of another CA is refused), and keeps its key and certificate
        in the state directory (node.key, node.crt, ca.crt). Later starts need no token; the
        certificate renews itself.

        Options:
          --dispatcher URL[,URL…] dispatcher gRPC address, https:// (default https://127.0.0.1:4243);
                                  with several replicas, all of them, comma-separated: the agent
                                  follows the leader and fails over to the next when one breaks
          --join-token TOKEN      join token (SWMTKN-1-…) for a node without a certificate in its
                                  state directory; also read from SWARM_JOIN_TOKEN. Get one with
                                  'swarmctl cluster join-token worker'.
          --hostname NAME         node hostname (default: this machine's name)
          --label KEY=VALUE       node label; repeatable
          --executor docker|process|sim
                                  how tasks run (default docker when an engine is reachable
                                  through DOCKER_HOST or /var/run/docker.sock, else process;
                                  sim with --simulate)
          --generic-resource NAME=N
                                  a countable resource this node offers (e.g. gpu=2); repeatable
          --simulate N            host N simulated nodes (<hostname>-1 … <hostname>-N) in this process
          --state-dir DIR         where the node keeps its key, certificates, identity and task records
                                  (default ./.run/workers/<hostname>)
          --secrets-dir DIR       where tasks get their secret and config files: a directory on a
                                  tmpfs (values never touch persistent disk; on any other
                                  filesystem tasks using them are rejected). Default
                                  /dev/shm/swarm-<hostname>-<digest of the state directory>
          --sim-fail-rate P       sim executor: fraction 0..1 of tasks that fail (exit 1)
          --sim-run-seconds S     sim executor: tasks complete after S seconds (default: run until stopped)
          -h, --help              show this help

        Environment:
          SWARM_JOIN_TOKEN        the join token, when --join-token is not given

        Exit codes: 0 stopped, 1 the node could not join or was removed from the cluster
        (joining again needs a new join token and an empty state directory), 2 usage error
        (a missing or malformed join token included).
        """;

    /// <summary>The variable the join token is read from when the command line gives none.</summary>
    public const string JoinTokenVariable = "SWARM_JOIN_TOKEN";

    /// <summary>The first dispatcher address.</summary>
    public Uri Dispatcher => Dispatchers[0];

    /// <summary>Every dispatcher replica's address, in the order given.</summary>
    public IReadOnlyList<Uri> Dispatchers { get; init; } = [new("https://127.0.0.1:4243")];
    public string Hostname { get; init; } = Environment.MachineName;
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string Executor { get; init; } = "process";
    public IReadOnlyDictionary<string, long> GenericResources { get; init; } = new Dictionary<string, long>();
    public int Simulate { get; init; }
    public string? StateDirOption { get; init; }
    public string? SecretsDirOption { get; init; }
    public double SimFailRate { get; init; }
    public double? SimRunSeconds { get; init; }
    public bool Help { get; init; }

    /// <summary>The join token (--join-token or SWARM_JOIN_TOKEN); needed only by a node without a certificate.</summary>
    public JoinToken? JoinToken { get; init; }

    /// <summary>The state directory: as given, or <c>./.run/workers/&lt;hostname&gt;</c>.</summary>
    public string StateDir => Path.GetFullPath(StateDirOption ?? Path.Combine(".run", "workers", Hostname));

    /// <summary>The tmpfs directory of the tasks' secret and config files: as given, or one of this node's under <c>/dev/shm</c>.</summary>
    public string SecretsDir => Path.GetFullPath(SecretsDirOption ?? Exec.Secrets.TaskFilesRoot.DefaultPath(StateDir, Hostname));

    /// <summary>Parses the command line; throws <see cref="UsageException"/> on a bad flag or value.</summary>
    public static WorkerOptions Parse(IReadOnlyList<string> args) => Parse(args, Exec.Docker.DockerEngine.IsConfigured);

    /// <summary>
    /// Parses the command line; <paramref name="engineReachable"/> decides the default executor, <paramref name="environment"/>
    /// reads variables (the process's own by default).
    /// </summary>
    public static WorkerOptions Parse(IReadOnlyList<string> args, Func<bool> engineReachable, Func<string, string?>? environment = null)
    {
        string? joinToken = null;
        var options = new WorkerOptions();
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var resources = new Dictionary<string, long>(StringComparer.Ordinal);
        string? executor = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 2)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"{arg} needs a value");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "-h" or "--help":
                    options = options with { Help = true };
                    break;
                case "--dispatcher":
                    var urls = new List<Uri>();
                    foreach (var url in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                        {
                            throw new UsageException($"--dispatcher: '{url}' is not an https:// URL");
                        }

                        if (uri.Scheme == Uri.UriSchemeHttp)
                        {
                            throw new UsageException($"--dispatcher: '{url}': the dispatcher is reached over TLS: use https://");
                        }

                        urls.Add(uri);
                    }

                    if (urls.Count == 0)
                    {
                        throw new UsageException("--dispatcher needs at least one URL");
                    }

                    options = options with { Dispatchers = urls };
                    break;
                case "--hostname":
                    var hostname = Value();
                    if (string.IsNullOrWhiteSpace(hostname) || hostname.IndexOfAny(['/', '\\']) >= 0)
                    {
                        throw new UsageException($"--hostname: '{hostname}' is not a valid hostname");
                    }

                    options = options with { Hostname = hostname };
                    break;
                case "--label":
                    var label = Value();
                    var sep = label.IndexOf('=', StringComparison.Ordinal);
                    if (sep <= 0)
                    {
                        throw new UsageException($"--label: '{label}' is not KEY=VALUE");
                    }

                    labels[label[..sep]] = label[(sep + 1)..];
                    break;
                case "--executor":
                    executor = Value();
                    if (executor is not ("docker" or "process" or "sim"))
                    {
                        throw new UsageException($"--executor: '{executor}' is not one of docker, process, sim");
                    }

                    break;
                case "--generic-resource":
                    var resource = Value();
                    var at = resource.IndexOf('=', StringComparison.Ordinal);
                    if (at <= 0 || !long.TryParse(resource[(at + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) || count < 0)
                    {
                        throw new UsageException($"--generic-resource: '{resource}' is not NAME=N with N a whole number >= 0");
                    }

                    resources[resource[..at]] = count;
                    break;
                case "--simulate":
                    options = options with { Simulate = ParseInt(arg, Value(), min: 1) };
                    break;
                case "--join-token":
                    joinToken = Value();
                    break;
                case "--state-dir":
                    options = options with { StateDirOption = Value() };
                    break;
                case "--secrets-dir":
                    var secretsDir = Value();
                    if (string.IsNullOrWhiteSpace(secretsDir) || secretsDir.Contains('\0'))
                    {
                        throw new UsageException($"--secrets-dir: '{secretsDir}' is not a directory path");
                    }

                    options = options with { SecretsDirOption = secretsDir };
                    break;
                case "--sim-fail-rate":
                    var rate = ParseDouble(arg, Value());
                    if (rate is < 0 or > 1)
                    {
                        throw new UsageException($"--sim-fail-rate: {rate.ToString(CultureInfo.InvariantCulture)} is not between 0 and 1");
                    }

                    options = options with { SimFailRate = rate };
                    break;
                case "--sim-run-seconds":
                    var seconds = ParseDouble(arg, Value());
                    if (seconds <= 0)
                    {
                        throw new UsageException("--sim-run-seconds: must be greater than 0");
                    }

                    options = options with { SimRunSeconds = seconds };
                    break;
                default:
                    throw new UsageException($"unknown option '{args[i]}'");
            }
        }

        if (options.Simulate > 0 && executor is "process" or "docker")
        {
            throw new UsageException($"--simulate runs simulated nodes; it cannot be combined with --executor {executor}");
        }

        executor ??= options.Simulate > 0 ? "sim" : engineReachable() ? "docker" : "process";
        return options with { Labels = labels, Executor = executor, GenericResources = resources, JoinToken = ParseJoinToken(joinToken, environment ?? Environment.GetEnvironmentVariable) };
    }

    private static JoinToken? ParseJoinToken(string? option, Func<string, string?> environment)
    {
        var (source, text) = option is not null ? ("--join-token", option) : (JoinTokenVariable, environment(JoinTokenVariable));
        if (string.IsNullOrWhiteSpace(text))
        {
            return option is null ? null : throw new UsageException("--join-token: the token is empty");
        }

        return JoinToken.TryParse(text, out var token, out var error) ? token : throw new UsageException($"{source}: {error}");
    }

    private static int ParseInt(string flag, string value, int min) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new UsageException($"{flag}: '{value}' is not a whole number >= {min}");

    private static double ParseDouble(string flag, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : throw new UsageException($"{flag}: '{value}' is not a number");
}

/// <summary>A bad command line; the agent prints the message and exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
