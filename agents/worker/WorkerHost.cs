using System.Net;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Worker.Agent;
using Swarm.Worker.Cli;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Docker;

namespace Swarm.Worker;

/// <summary>
/// Runs the node agents of this process: one with the chosen executor, or <c>--simulate N</c>
/// simulated nodes sharing one connection to the dispatcher (to its leader, with several replicas).
/// </summary>
public sealed class WorkerHost : BackgroundService
{
    private readonly WorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;

    public WorkerHost(WorkerOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _time = time;
        _loggers = loggers;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var endpoints = new DispatcherEndpoints(_options.Dispatchers, address => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            },
            HttpVersion = HttpVersion.Version20,
            MaxReceiveMessageSize = null,
            ThrowOperationCanceledOnCancellation = true,
        }));
        var client = new Dispatcher.Api.Dispatcher.DispatcherClient(endpoints);
        var logger = _loggers.CreateLogger("Swarm.Worker");

        var agents = new List<NodeAgent>();
        if (_options.Simulate > 0)
        {
            var sim = new SimOptions
            {
                FailRate = _options.SimFailRate,
                RunTime = _options.SimRunSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
            };
            for (var i = 1; i <= _options.Simulate; i++)
            {
                var hostname = $"{_options.Hostname}-{i}";
                var settings = new AgentSettings { Hostname = hostname, Labels = _options.Labels, StateDir = Path.Combine(_options.StateDir, hostname) };
                agents.Add(new NodeAgent(settings, client, new SimExecutor(sim, _time), _time, logger, endpoints));
            }
        }
        else
        {
            var settings = new AgentSettings { Hostname = _options.Hostname, Labels = _options.Labels, StateDir = _options.StateDir, GenericResources = _options.GenericResources };
            IExecutor executor = _options.Executor switch
            {
                "sim" => new SimExecutor(new SimOptions { FailRate = _options.SimFailRate, RunTime = _options.SimRunSeconds is { } s ? TimeSpan.FromSeconds(s) : null }, _time),
                "docker" => CreateDockerExecutor(logger),
                _ => new ProcessExecutor(_options.StateDir, () => NodeIdentity.Load(_options.StateDir), _time, logger),
            };
            agents.Add(new NodeAgent(settings, client, executor, _time, logger, endpoints));
        }

        logger.LogInformation("starting {Count} node agent(s) ({Executor} executor) against {Dispatcher}", agents.Count, _options.Executor, string.Join(",", _options.Dispatchers));
        await Task.WhenAll(agents.Select(a => Task.Run(() => a.RunAsync(stoppingToken), CancellationToken.None)));
    }

    private DockerExecutor CreateDockerExecutor(ILogger logger)
    {
        var endpoint = DockerEngine.Endpoint()
            ?? throw new InvalidOperationException($"--executor docker: no Docker engine (set DOCKER_HOST or start one on {DockerEngine.DefaultSocket})");
        logger.LogInformation("docker executor: engine at {Endpoint}", endpoint);
        var stateDir = _options.StateDir;
        return new DockerExecutor(DockerEngine.CreateClient(endpoint), _options.Hostname, () => NodeIdentity.Load(stateDir), _time, logger);
    }
}
