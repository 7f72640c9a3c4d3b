using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Exec.Docker;

/// <summary>One task's container: created and started here, or adopted from an earlier agent process.</summary>
internal sealed class DockerController : ITaskController
{
    private readonly DockerExecutor _executor;
    private readonly TaskAssignment _task;
    private readonly TaskCompletionSource<TaskExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _watch = new();
    private string? _containerId;
    private bool _started;
    private bool _networksAcquired;
    private volatile bool _unhealthy;
    private TaskFiles? _files;

    public DockerController(DockerExecutor executor, TaskAssignment task)
    {
        _executor = executor;
        _task = task;
        _ = _exit.Task.ContinueWith(_ => executor.Ingress.Remove(task.TaskId), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private IDockerClient Client => _executor.Client;
    private ILogger Logger => _executor.Logger;
    private string Image => _task.Spec.Image ?? "";

    public async Task<TaskRecovery> RecoverAsync(CancellationToken cancellationToken)
    {
        var found = (await _executor.ListAsync(_task.TaskId, cancellationToken)).OrderByDescending(c => c.Created).ToList();
        if (found.Count == 0)
        {
            return TaskRecovery.None;
        }

        // one container per task: anything older is a leftover
        foreach (var extra in found.Skip(1))
        {
            await _executor.RemoveAsync(extra.ID, cancellationToken);
        }

        var container = found[0];
        var inspect = await Client.Containers.InspectContainerAsync(container.ID, cancellationToken);
        _containerId = container.ID;
        switch (inspect.State.Status)
        {
            case "created":
                // never started: start over from a fresh container
                await _executor.RemoveAsync(container.ID, cancellationToken);
                _containerId = null;
                return TaskRecovery.None;
            case "exited" or "dead":
                _started = true;
                _exit.TrySetResult(new TaskExit((int)inspect.State.ExitCode));
                Logger.LogInformation("task {TaskId}: container {Container} exited ({ExitCode}) while the agent was away", _task.TaskId, DockerExecutor.Short(container.ID), inspect.State.ExitCode);
                return TaskRecovery.Exited;
            default:
                _started = true;
                AcquireNetworks();
                Logger.LogInformation("task {TaskId}: adopted container {Container} ({Status})", _task.TaskId, DockerExecutor.Short(container.ID), inspect.State.Status);
                _ = WatchExitAsync(container.ID, _watch.Token);
                if (_task.Spec.Healthcheck is { } check && !IsNone(check))
                {
                    if (inspect.State.Health?.Status is not ("healthy" or "unhealthy"))
                    {
                        // still starting: StartAsync waits for the healthcheck as after a fresh start
                        return TaskRecovery.Starting;
                    }

                    _ = WatchHealthAsync(container.ID, _watch.Token);
                }

                Serve();
                return TaskRecovery.Running;
        }
    }

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Image))
        {
            throw new TaskRejectedException("task: no image to run (the docker executor runs images)");
        }

        await EnsureImageAsync(cancellationToken);
        if (TaskFilesRoot.Needs(_task.Spec))
        {
            _files = _executor.Files.Materialise(_task, _executor.Secrets);
        }

        AcquireNetworks();
        for (var attempt = 0; ; attempt++)
        {
            // another agent on this engine may remove a network it thinks unused between ensuring and connecting
            var networks = new List<string>();
            foreach (var network in _task.Spec.Networks)
            {
                networks.Add(await _executor.Networks.EnsureAsync(network, cancellationToken));
            }

            var parameters = CreateParameters(networks.Count > 0 ? networks[0] : await _executor.DefaultNetworkAsync(cancellationToken));
            try
            {
                var created = await Client.Containers.CreateContainerAsync(parameters, cancellationToken);
                _containerId = created.ID;
                for (var i = 1; i < networks.Count; i++)
                {
                    await Client.Networks.ConnectNetworkAsync(networks[i], new NetworkConnectParameters { Container = created.ID, EndpointConfig = Endpoint(_task.Spec.Networks[i]) }, cancellationToken);
                }

                return;
            }
            catch (DockerImageNotFoundException)
            {
                throw new TaskRejectedException($"No such image: {Image}");
            }
            catch (DockerApiException ex) when (attempt == 0 && networks.Count > 0 && EngineMessage(ex).Contains("not found", StringComparison.OrdinalIgnoreCase))
            {
                await RemoveCreatedAsync(cancellationToken);
            }
            catch (DockerApiException ex)
            {
                await RemoveCreatedAsync(cancellationToken);
                throw new TaskRejectedException($"task: creating the container failed: {EngineMessage(ex)}");
            }
        }
    }

    private async Task RemoveCreatedAsync(CancellationToken cancellationToken)
    {
        if (_containerId is { } id)
        {
            await _executor.RemoveAsync(id, cancellationToken);
            _containerId = null;
        }
    }

    private void AcquireNetworks()
    {
        if (!_networksAcquired)
        {
            _networksAcquired = true;
            _executor.Networks.Acquire(_task.Spec.Networks);
        }
    }

    /// <summary>Routes the task's ingress ports to it (the task runs).</summary>
    private void Serve()
    {
        if (!_exit.Task.IsCompleted)
        {
            _executor.Ingress.Add(_task);
        }
    }

    /// <summary>The container's endpoint on a network: its allocated address and the names it answers to.</summary>
    private EndpointSettings Endpoint(TaskNetwork network)
    {
        var aliases = network.Aliases.Count > 0 ? network.Aliases.ToList() : [_task.ServiceName];
        var endpoint = new EndpointSettings { Aliases = aliases.Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).ToList() };
        if (network.Address.Length > 0)
        {
            endpoint.IPAMConfig = new EndpointIPAMConfig { IPv4Address = network.Address };
        }

        return endpoint;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var id = _containerId ?? throw new InvalidOperationException("the container was not created");

        // an adopted container (RecoverAsync: Starting) runs already and is watched
        if (!_started)
        {
            try
            {
                await Client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);
            }
            catch (DockerApiException ex)
            {
                throw new TaskFailedException($"task: starting the container failed: {EngineMessage(ex)}");
            }

            _started = true;
            _ = WatchExitAsync(id, _watch.Token);
        }

        if (_task.Spec.Healthcheck is not { } check || IsNone(check))
        {
            Serve();
            return;
        }

        // SwarmKit: a task with a healthcheck is running once it is healthy
        while (true)
        {
            if (_exit.Task.IsCompleted)
            {
                return;
            }

            var inspect = await Client.Containers.InspectContainerAsync(id, cancellationToken);
            switch (inspect.State.Health?.Status)
            {
                case "healthy":
                    _ = WatchHealthAsync(id, _watch.Token);
                    Serve();
                    return;
                case "unhealthy":
                    _unhealthy = true;
                    await StopContainerAsync(id, cancellationToken);
                    throw new TaskFailedException("task: container unhealthy");
            }

            await Task.WhenAny(_exit.Task, Task.Delay(_executor.HealthPollInterval, _executor.Time, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public Task<TaskExit> WaitAsync(CancellationToken cancellationToken) => _exit.Task.WaitAsync(cancellationToken);

    public async Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        // no new connections to a task that is stopping
        _executor.Ingress.Remove(_task.TaskId);
        if (_containerId is not { } id)
        {
            return;
        }

        await _executor.StopAndRemoveAsync(id, gracePeriod, cancellationToken);
        _exit.TrySetResult(new TaskExit(null));
        _containerId = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _watch.CancelAsync();
        _watch.Dispose();
        _executor.Ingress.Remove(_task.TaskId);

        // the task ended (or never started): its files go; a container left running for a later agent keeps them
        if (_exit.Task.IsCompleted || !_started)
        {
            _executor.Files.Remove(_task.TaskId);
        }

        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            if (_containerId is { } id && !_started)
            {
                // created but never started (shut down before start, or the start failed)
                await _executor.RemoveAsync(id, cleanup.Token);
            }
            else if (_exit.Task.IsCompleted)
            {
                await _executor.PruneSlotAsync(_task.ServiceId, _task.Slot, cleanup.Token);
            }

            if (_networksAcquired)
            {
                _networksAcquired = false;
                _executor.Networks.Release(_task.Spec.Networks);
                if (_exit.Task.IsCompleted || !_started)
                {
                    await _executor.Networks.PruneAsync(cleanup.Token);
                }
            }
        }
        catch (Exception ex) when (ex is DockerApiException or OperationCanceledException or HttpRequestException)
        {
            Logger.LogWarning("task {TaskId}: container cleanup failed: {Message}", _task.TaskId, ex.Message);
        }
    }

    private async Task EnsureImageAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Client.Images.InspectImageAsync(Image, cancellationToken);
            return;
        }
        catch (DockerImageNotFoundException)
        {
        }

        var (repository, tag) = SplitImage(Image);
        var errors = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_executor.PullTimeout);
        Logger.LogInformation("task {TaskId}: pulling {Image}", _task.TaskId, Image);
        try
        {
            await Client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = repository, Tag = tag },
                new AuthConfig(),
                new Progress<JSONMessage>(m =>
                {
                    if (!string.IsNullOrEmpty(m.ErrorMessage))
                    {
                        lock (errors)
                        {
                            errors.Add(m.ErrorMessage);
                        }
                    }
                }),
                timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TaskRejectedException($"No such image: {Image} (pull did not finish within {_executor.PullTimeout.TotalSeconds:0} s)");
        }
        catch (DockerApiException ex)
        {
            throw new TaskRejectedException($"No such image: {Image} (pull failed: {EngineMessage(ex)})");
        }

        try
        {
            await Client.Images.InspectImageAsync(Image, cancellationToken);
        }
        catch (DockerImageNotFoundException)
        {
            string detail;
            lock (errors)
            {
                detail = errors.Count > 0 ? $" (pull failed: {errors[^1]})" : "";
            }

            throw new TaskRejectedException($"No such image: {Image}{detail}");
        }
    }

    private CreateContainerParameters CreateParameters(string networkMode)
    {
        var spec = _task.Spec;
        var labels = new Dictionary<string, string>(spec.Labels, StringComparer.Ordinal)
        {
            [DockerLabels.NodeHostname] = _executor.Hostname,
            [DockerLabels.ServiceId] = _task.ServiceId,
            [DockerLabels.ServiceName] = _task.ServiceName,
            [DockerLabels.TaskId] = _task.TaskId,
            [DockerLabels.TaskName] = $"{_task.ServiceName}.{_task.Slot}",
            [DockerLabels.Slot] = _task.Slot.ToString(CultureInfo.InvariantCulture),
            [DockerLabels.StopGraceSeconds] = spec.StopGracePeriod.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        };
        if (_executor.NodeId is { Length: > 0 } nodeId)
        {
            labels[DockerLabels.NodeId] = nodeId;
        }

        var parameters = new CreateContainerParameters
        {
            Name = DockerLabels.ContainerName(_task),
            Image = Image,
            Env = spec.Env.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            WorkingDir = spec.WorkingDir ?? "",
            User = spec.User ?? "",
            Labels = labels,
            StopTimeout = TimeSpan.FromSeconds(Math.Ceiling(spec.StopGracePeriod.TotalSeconds)),
            HostConfig = new HostConfig
            {
                NetworkMode = networkMode,
                Memory = spec.LimitMemoryBytes,
                NanoCPUs = spec.LimitNanoCpus,
                Mounts = _files?.Files.Select(f => new Mount { Type = "bind", Source = f.HostPath, Target = f.ContainerPath, ReadOnly = true }).ToList(),
            },
        };

        // the first network at creation (engines before API 1.44 take one), the others connected before the start
        if (spec.Networks.Count > 0)
        {
            parameters.NetworkingConfig = new NetworkingConfig
            {
                EndpointsConfig = new Dictionary<string, EndpointSettings> { [networkMode] = Endpoint(spec.Networks[0]) },
            };
        }

        // host-mode ports: the engine binds published -> target on every host address (ingress ports go through the agent's mesh)
        var hostPorts = spec.Ports.Where(p => p.IsHost).ToList();
        if (hostPorts.Count > 0)
        {
            if (networkMode == "none")
            {
                // no network to map a port into: the container shares the host's network and binds the target port itself
                var mapped = hostPorts.FirstOrDefault(p => p.Published > 0 && p.Published != p.Target);
                if (mapped is not null)
                {
                    throw new TaskRejectedException($"task: published port {mapped.Published} -> {mapped.Target}: the engine has no default bridge network to map it on; attach the service to a network");
                }

                parameters.HostConfig.NetworkMode = "host";
            }
            else
            {
                parameters.ExposedPorts = new Dictionary<string, EmptyStruct>();
                parameters.HostConfig.PortBindings = new Dictionary<string, IList<PortBinding>>();
                foreach (var port in hostPorts)
                {
                    var key = $"{port.Target.ToString(CultureInfo.InvariantCulture)}/{(port.IsUdp ? "udp" : "tcp")}";
                    parameters.ExposedPorts[key] = default;
                    if (!parameters.HostConfig.PortBindings.TryGetValue(key, out var bindings))
                    {
                        parameters.HostConfig.PortBindings[key] = bindings = new List<PortBinding>();
                    }

                    // published 0: the engine picks a free host port
                    bindings.Add(new PortBinding { HostIP = "", HostPort = port.Published > 0 ? port.Published.ToString(CultureInfo.InvariantCulture) : "" });
                }
            }
        }

        // the spec's command replaces the image's command; the image's entrypoint stays
        if (spec.Command.Count > 0)
        {
            parameters.Cmd = spec.Command.ToList();
        }

        if (spec.Healthcheck is { } check)
        {
            parameters.Healthcheck = new HealthConfig
            {
                Test = check.Test.ToList(),
                Interval = check.Interval ?? TimeSpan.Zero,
                Timeout = check.Timeout ?? TimeSpan.Zero,
                Retries = check.Retries ?? 0,
                StartPeriod = (check.StartPeriod ?? TimeSpan.Zero).Ticks * 100,
            };
        }

        return parameters;
    }

    private async Task WatchExitAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Client.Containers.WaitContainerAsync(id, cancellationToken);
            _exit.TrySetResult(new TaskExit((int)response.StatusCode, _unhealthy ? "task: container unhealthy" : null));
        }
        catch (OperationCanceledException)
        {
            // the agent is shutting down; the container keeps running and is adopted next time
        }
        catch (DockerContainerNotFoundException)
        {
            _exit.TrySetResult(new TaskExit(null, _unhealthy ? "task: container unhealthy" : null));
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            Logger.LogWarning("task {TaskId}: lost track of container {Container}: {Message}", _task.TaskId, DockerExecutor.Short(id), ex.Message);
            _exit.TrySetResult(new TaskExit(null, $"task: lost track of the container: {ex.Message}"));
        }
    }

    private async Task WatchHealthAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            while (!_exit.Task.IsCompleted)
            {
                await Task.Delay(_executor.HealthPollInterval, _executor.Time, cancellationToken);
                var inspect = await Client.Containers.InspectContainerAsync(id, cancellationToken);
                if (inspect.State.Health?.Status == "unhealthy")
                {
                    Logger.LogInformation("task {TaskId}: container {Container} is unhealthy; stopping it", _task.TaskId, DockerExecutor.Short(id));
                    _unhealthy = true;
                    await StopContainerAsync(id, cancellationToken);
                    _exit.TrySetResult(new TaskExit(null, "task: container unhealthy"));
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            Logger.LogDebug("task {TaskId}: health watch ended: {Message}", _task.TaskId, ex.Message);
        }
    }

    private async Task StopContainerAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await Client.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(_task.Spec.StopGracePeriod.TotalSeconds) }, cancellationToken);
        }
        catch (DockerApiException)
        {
            // gone already
        }
    }

    private static bool IsNone(TaskHealthcheck check) => check.Test.Count == 0 || check.Test[0] == "NONE";

    /// <summary><c>repo[:tag]</c>; a colon inside the registry's host:port is not a tag.</summary>
    internal static (string Repository, string Tag) SplitImage(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return (image[..at], image[(at + 1)..]);
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') && colon > 0 ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    private static string EngineMessage(DockerApiException ex)
    {
        var body = ex.ResponseBody;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(body);
                if (doc.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                {
                    return text;
                }
            }
            catch (System.Text.Json.JsonException)
            {
                return body.Trim();
            }
        }

        return ex.Message;
    }
}
