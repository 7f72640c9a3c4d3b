using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Worker.Agent;
using Swarm.Worker.Ca;
using Swarm.Worker.Cli;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Docker;
using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker;

/// <summary>
/// Runs the node agents of this process: one with the chosen executor, or <c>--simulate N</c> simulated nodes.
/// Each node is its own identity: its state directory, key and certificate, and its own mutual-TLS connection to
/// the dispatcher (to its leader, with several replicas). Nodes without a usable certificate join first, with the
/// join token, a few at a time. The process ends with a non-zero code when a node cannot join, and when its nodes
/// were removed from the cluster (with simulated nodes, a removed node's agent ends and the others carry on).
/// </summary>
public sealed class WorkerHost : BackgroundService
{
    /// <summary>How many nodes join at once (simulated nodes join concurrently, within this limit).</summary>
    private const int JoinConcurrency = 16;

    private readonly WorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly IHostApplicationLifetime _lifetime;

    public WorkerHost(WorkerOptions options, TimeProvider time, ILoggerFactory loggers, IHostApplicationLifetime lifetime)
    {
        _options = options;
        _time = time;
        _loggers = loggers;
        _lifetime = lifetime;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = _loggers.CreateLogger("Swarm.Worker");
        try
        {
            await RunAsync(logger, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (WorkerExitException ex)
        {
            logger.LogCritical("{Message}", ex.Message);
            if (ex.ExitCode == WorkerExitException.Usage)
            {
                await Console.Error.WriteLineAsync($"Swarm.Worker: {ex.Message}");
            }

            Environment.ExitCode = ex.ExitCode;
            _lifetime.StopApplication();
        }
    }

    private async Task RunAsync(ILogger logger, CancellationToken stoppingToken)
    {
        var nodes = Nodes();
        var credentials = await CredentialsAsync(nodes, logger, stoppingToken);
        var endpoints = new List<DispatcherEndpoints>();
        try
        {
            var agents = new List<NodeAgent>();
            for (var i = 0; i < nodes.Count; i++)
            {
                var (settings, executor) = nodes[i];
                var node = credentials[i];
                var own = new DispatcherEndpoints(_options.Dispatchers, address => DispatcherChannels.Mutual(address, node, _time, logger, settings.Hostname));
                endpoints.Add(own);
                agents.Add(new NodeAgent(settings, node, own, executor(logger), _time, logger));
            }

            logger.LogInformation("starting {Count} node agent(s) ({Executor} executor) against {Dispatcher}", agents.Count, _options.Executor, string.Join(",", _options.Dispatchers));
            if (_options.Executor is "docker" or "process" && OperatingSystem.IsLinux() && new TaskFilesRoot(_options.SecretsDir, logger).Unsuitable() is { } why)
            {
                logger.LogWarning("secrets directory {SecretsDir}: {Why}. Tasks with secrets or configs will be rejected", _options.SecretsDir, why);
            }

            await Task.WhenAll(agents.Select(a => Task.Run(() => RunNodeAsync(a, logger, stoppingToken), CancellationToken.None)));
        }
        finally
        {
            foreach (var own in endpoints)
            {
                own.Dispose();
            }
        }

        if (!stoppingToken.IsCancellationRequested)
        {
            // every agent ended without being asked to: its node left the cluster (each said why)
            throw new WorkerExitException(WorkerExitException.Failed, nodes.Count == 1
                ? $"{nodes[0].Settings.Hostname}: the node no longer belongs to the cluster; the agent ends"
                : $"all {nodes.Count} nodes of this process left the cluster; the agent ends");
        }
    }

    private static async Task RunNodeAsync(NodeAgent agent, ILogger logger, CancellationToken stoppingToken)
    {
        try
        {
            await agent.RunAsync(stoppingToken);
        }
        catch (NodeRemovedException)
        {
            // the agent said so, and stopped the node's tasks
        }
        catch (NodeCertificateExpiredException ex)
        {
            logger.LogError("{Message}", ex.Message);
        }
    }

    /// <summary>The nodes of this process: their settings, and how to make their executor.</summary>
    private List<(AgentSettings Settings, Func<ILogger, IExecutor> Executor)> Nodes()
    {
        var sim = new SimOptions
        {
            FailRate = _options.SimFailRate,
            RunTime = _options.SimRunSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
        };
        if (_options.Simulate > 0)
        {
            return [.. Enumerable.Range(1, _options.Simulate).Select(i =>
            {
                var hostname = $"{_options.Hostname}-{i}";
                var settings = new AgentSettings { Hostname = hostname, Labels = _options.Labels, StateDir = Path.Combine(_options.StateDir, hostname) };
                return (settings, (Func<ILogger, IExecutor>)(_ => new SimExecutor(sim, _time)));
            })];
        }

        var single = new AgentSettings { Hostname = _options.Hostname, Labels = _options.Labels, StateDir = _options.StateDir, GenericResources = _options.GenericResources };
        return [(single, logger => _options.Executor switch
        {
            "sim" => new SimExecutor(sim, _time),
            "docker" => CreateDockerExecutor(logger),
            _ => new ProcessExecutor(_options.StateDir, () => NodeIdentity.Load(_options.StateDir), _time, logger) { SecretsDir = _options.SecretsDir },
        })];
    }

    /// <summary>
    /// Each node's credentials from its state directory; the nodes without usable ones join with the join token first,
    /// <see cref="JoinConcurrency"/> at a time.
    /// </summary>
    private async Task<NodeCredentials[]> CredentialsAsync(List<(AgentSettings Settings, Func<ILogger, IExecutor> Executor)> nodes, ILogger logger, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var credentials = new NodeCredentials?[nodes.Count];
        var joining = new List<int>();
        var why = "";
        for (var i = 0; i < nodes.Count; i++)
        {
            credentials[i] = NodeCredentials.Load(nodes[i].Settings.StateDir, now, out var reason);
            if (credentials[i] is null)
            {
                joining.Add(i);
                why = why.Length == 0 ? reason : why;
            }
        }

        if (joining.Count > 0)
        {
            if (_options.JoinToken is not { } token)
            {
                throw new WorkerExitException(WorkerExitException.Usage,
                    $"{why}{(joining.Count > 1 ? $" (and {joining.Count - 1} more node(s) have none)" : "")}: joining the cluster needs a join token; "
                    + $"pass --join-token or set {WorkerOptions.JoinTokenVariable} (get one with 'swarmctl cluster join-token worker')");
            }

            logger.LogInformation("{Count} node(s) without a usable certificate ({Reason}); joining the cluster with the join token", joining.Count, why);
            var join = new NodeJoin(_options.Dispatchers, token, _time, logger);
            try
            {
                await Parallel.ForEachAsync(joining, new ParallelOptions { MaxDegreeOfParallelism = JoinConcurrency, CancellationToken = cancellationToken }, async (i, ct) =>
                {
                    var settings = nodes[i].Settings;
                    credentials[i] = NodeCredentials.Create(settings.StateDir, await join.RequestAsync(settings.Hostname, ct));
                });
            }
            catch (JoinRefusedException ex)
            {
                throw new WorkerExitException(WorkerExitException.Failed, ex.Message);
            }
        }

        return [.. credentials.Select(c => c!)];
    }

    private DockerExecutor CreateDockerExecutor(ILogger logger)
    {
        var endpoint = DockerEngine.Endpoint()
            ?? throw new InvalidOperationException($"--executor docker: no Docker engine (set DOCKER_HOST or start one on {DockerEngine.DefaultSocket})");
        logger.LogInformation("docker executor: engine at {Endpoint}", endpoint);
        var stateDir = _options.StateDir;
        return new DockerExecutor(DockerEngine.CreateClient(endpoint), _options.Hostname, () => NodeIdentity.Load(stateDir), _time, logger) { SecretsDir = _options.SecretsDir };
    }
}
