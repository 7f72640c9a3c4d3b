using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Exec.Docker;

/// <summary>
/// Runs each task as a container of a Docker engine (SwarmKit's container executor). Containers
/// carry labels naming their node, service, task and slot; a restarted agent finds them by those
/// labels and adopts them instead of starting duplicates. A task's secrets and configs are files on a tmpfs of this host
/// (<see cref="TaskFilesRoot"/>), each bind-mounted read-only into its container: a secret at
/// <c>/run/secrets/&lt;target&gt;</c>, a config at its target (an absolute path, or a file name under <c>/</c>). The engine
/// must run on this host (the paths are this host's); a container of another task has no such mount.
/// </summary>
public sealed class DockerExecutor : IExecutor, IDisposable
{
    private readonly string _hostname;
    private readonly Func<string?> _nodeId;

    public DockerExecutor(IDockerClient client, string hostname, Func<string?> nodeId, TimeProvider time, ILogger logger)
    {
        Client = client;
        _hostname = hostname;
        _nodeId = nodeId;
        Time = time;
        Logger = logger;
        Networks = new DockerNetworks(client, logger);
        Ingress = new IngressProxy(logger);
        Files = new TaskFilesRoot(TaskFilesRoot.DefaultPath("docker", hostname), logger);
    }

    public string Name => "docker";

    public SecretStore Secrets { get; } = new();

    /// <summary>The tmpfs directory the task files bind-mounted into containers are written under (<see cref="TaskFilesRoot"/>).</summary>
    public string SecretsDir
    {
        get => Files.Path;
        init => Files = new TaskFilesRoot(value, Logger);
    }

    /// <summary>How long a pull may take before the task is rejected (default 60 s).</summary>
    public TimeSpan PullTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a healthcheck's verdict is read from the engine (default 500 ms).</summary>
    public TimeSpan HealthPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Exited containers kept per slot for their logs; older ones are removed (default 2).</summary>
    public int ExitedPerSlot { get; init; } = 2;

    internal IDockerClient Client { get; }
    internal TimeProvider Time { get; }
    internal ILogger Logger { get; }
    internal string Hostname => _hostname;
    internal string? NodeId => _nodeId();

    /// <summary>The node's Docker networks for the cluster networks its tasks are attached to.</summary>
    internal DockerNetworks Networks { get; }

    /// <summary>The routing mesh: the ingress ports this agent forwards to its running tasks.</summary>
    internal IngressProxy Ingress { get; }

    /// <summary>The tasks' secret and config files on this host.</summary>
    internal TaskFilesRoot Files { get; private init; }

    /// <summary>The published ingress ports this agent listens on now.</summary>
    public IReadOnlyList<int> IngressPorts => Ingress.Ports;

    private volatile string? _defaultNetwork;

    /// <summary>
    /// Where a task on no network runs: the engine's default <c>bridge</c> network when it has one (as
    /// <c>docker run</c>), else <c>none</c>.
    /// </summary>
    internal async Task<string> DefaultNetworkAsync(CancellationToken cancellationToken)
    {
        if (_defaultNetwork is { } known)
        {
            return known;
        }

        var networks = await Client.Networks.ListNetworksAsync(new NetworksListParameters(), cancellationToken);
        return _defaultNetwork = networks.Any(n => n.Name == "bridge" && n.Driver == "bridge") ? "bridge" : "none";
    }

    public ITaskController Controller(TaskAssignment task) => new DockerController(this, task);

    public async Task CleanupAsync(IReadOnlySet<string> assignedTaskIds, CancellationToken cancellationToken)
    {
        var containers = await ListAsync(null, cancellationToken);
        await Task.WhenAll(containers
            .Where(c => c.Labels.TryGetValue(DockerLabels.TaskId, out var id) && !assignedTaskIds.Contains(id))
            .Select(async c =>
            {
                Logger.LogInformation("task {TaskId} is no longer assigned: removing its container {Container}", c.Labels[DockerLabels.TaskId], Short(c.ID));
                await StopAndRemoveAsync(c.ID, GraceOf(c.Labels), cancellationToken);
            }));
        await Networks.PruneAsync(cancellationToken);
        Files.RemoveStale(assignedTaskIds);
    }

    public async Task<EngineDescription?> DescribeEngineAsync(CancellationToken cancellationToken)
    {
        var info = await Client.System.GetSystemInfoAsync(cancellationToken);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in info.Labels ?? [])
        {
            var eq = label.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                labels[label[..eq]] = label[(eq + 1)..];
            }
            else if (label.Length > 0)
            {
                labels[label] = "";
            }
        }

        return new EngineDescription(info.ServerVersion ?? "", labels);
    }

    public async IAsyncEnumerable<LogEntry> LogsAsync(string taskId, bool follow, int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var container = (await ListAsync(taskId, cancellationToken)).OrderByDescending(c => c.Created).FirstOrDefault();
        if (container is null)
        {
            yield break;
        }

        using var stream = await Client.Containers.GetContainerLogsAsync(container.ID, tty: false, new ContainerLogsParameters
        {
            ShowStdout = true,
            ShowStderr = true,
            Follow = follow,
            Timestamps = true,
            Tail = tail > 0 ? tail.ToString(CultureInfo.InvariantCulture) : "all",
        }, cancellationToken);

        var buffer = new byte[16 * 1024];
        var partial = new Dictionary<MultiplexedStream.TargetStream, StringBuilder>();
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF || read.Count == 0)
            {
                break;
            }

            if (!partial.TryGetValue(read.Target, out var pending))
            {
                partial[read.Target] = pending = new StringBuilder();
            }

            pending.Append(Encoding.UTF8.GetString(buffer, 0, read.Count));
            var text = pending.ToString();
            var lastNewline = text.LastIndexOf('\n');
            if (lastNewline < 0)
            {
                continue;
            }

            pending.Clear().Append(text[(lastNewline + 1)..]);
            foreach (var line in text[..lastNewline].Split('\n'))
            {
                yield return ToEntry(taskId, read.Target, line);
            }
        }

        foreach (var (target, rest) in partial)
        {
            if (rest.Length > 0)
            {
                yield return ToEntry(taskId, target, rest.ToString());
            }
        }
    }

    public void Dispose()
    {
        Ingress.Dispose();
        Client.Dispose();
    }

    /// <summary>This node's containers, all of them or those of one task.</summary>
    internal async Task<IList<ContainerListResponse>> ListAsync(string? taskId, CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, bool>
        {
            [$"{DockerLabels.NodeHostname}={_hostname}"] = true,
            [taskId is null ? DockerLabels.TaskId : $"{DockerLabels.TaskId}={taskId}"] = true,
        };
        return await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labels },
        }, cancellationToken);
    }

    /// <summary>Stops a container (SIGTERM, SIGKILL after the grace period) and removes it.</summary>
    internal async Task StopAndRemoveAsync(string containerId, TimeSpan grace, CancellationToken cancellationToken)
    {
        try
        {
            await Client.Containers.StopContainerAsync(containerId, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(grace.TotalSeconds) }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return;
        }
        catch (DockerApiException ex)
        {
            Logger.LogWarning("container {Container}: stop failed ({Message}); removing it by force", Short(containerId), ex.Message);
        }

        await RemoveAsync(containerId, cancellationToken);
    }

    internal async Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            await Client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // removal already in progress
        }
    }

    /// <summary>Removes exited containers of a slot beyond the newest <see cref="ExitedPerSlot"/>.</summary>
    internal async Task PruneSlotAsync(string serviceId, int slot, CancellationToken cancellationToken)
    {
        var containers = await ListAsync(null, cancellationToken);
        var old = containers
            .Where(c => c.State is "exited" or "dead"
                && c.Labels.TryGetValue(DockerLabels.ServiceId, out var s) && s == serviceId
                && c.Labels.TryGetValue(DockerLabels.Slot, out var n) && n == slot.ToString(CultureInfo.InvariantCulture))
            .OrderByDescending(c => c.Created)
            .Skip(Math.Max(0, ExitedPerSlot));
        foreach (var c in old)
        {
            await RemoveAsync(c.ID, cancellationToken);
        }
    }

    internal static TimeSpan GraceOf(IDictionary<string, string> labels) =>
        labels.TryGetValue(DockerLabels.StopGraceSeconds, out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : TaskRunSpec.DefaultStopGracePeriod;

    internal static string Short(string containerId) => containerId.Length > 12 ? containerId[..12] : containerId;

    private static LogEntry ToEntry(string taskId, MultiplexedStream.TargetStream target, string line)
    {
        var stream = target == MultiplexedStream.TargetStream.StandardError ? "stderr" : "stdout";
        var at = DateTimeOffset.UtcNow;
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && DateTimeOffset.TryParse(line[..space], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stamp))
        {
            at = stamp;
            line = line[(space + 1)..];
        }

        return new LogEntry(taskId, stream, line.TrimEnd('\r'), at);
    }
}
