using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;

namespace Swarm.Worker.Exec.Docker;

/// <summary>
/// The node's Docker networks: one bridge network per cluster network a task here is attached to, created
/// from the allocation (subnet, gateway) and labelled with the cluster network's id, and removed when no
/// container uses it and no task of this agent needs it. Several agents may share one engine: a network
/// another agent created a moment earlier is used as it is, and one still in use is not removed.
/// </summary>
internal sealed class DockerNetworks
{
    private readonly IDockerClient _client;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, int> _needed = new(StringComparer.Ordinal);

    public DockerNetworks(IDockerClient client, ILogger logger)
    {
        _client = client;
        _logger = logger;
    }

    /// <summary>The engine network's name for a cluster network: <c>swarm-&lt;name&gt;-&lt;first 12 hex of its id&gt;</c>.</summary>
    public static string EngineName(TaskNetwork network)
    {
        var hex = new string(network.NetworkId.Where(char.IsAsciiHexDigit).Select(char.ToLowerInvariant).ToArray());
        var name = new string(network.NetworkName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-').ToArray());
        return $"swarm-{(name.Length == 0 ? "net" : name)}-{(hex.Length > 12 ? hex[..12] : hex)}";
    }

    /// <summary>Marks the networks as needed by a task of this agent: not removed until <see cref="Release"/>.</summary>
    public void Acquire(IEnumerable<TaskNetwork> networks)
    {
        lock (_needed)
        {
            foreach (var n in networks)
            {
                _needed[n.NetworkId] = _needed.GetValueOrDefault(n.NetworkId) + 1;
            }
        }
    }

    public void Release(IEnumerable<TaskNetwork> networks)
    {
        lock (_needed)
        {
            foreach (var n in networks)
            {
                if (_needed.TryGetValue(n.NetworkId, out var count))
                {
                    if (count <= 1)
                    {
                        _needed.Remove(n.NetworkId);
                    }
                    else
                    {
                        _needed[n.NetworkId] = count - 1;
                    }
                }
            }
        }
    }

    /// <summary>Creates the engine network for a cluster network unless it exists; returns its name.</summary>
    public async Task<string> EnsureAsync(TaskNetwork network, CancellationToken cancellationToken)
    {
        var name = EngineName(network);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                if (await ExistsAsync(name, cancellationToken))
                {
                    return name;
                }

                try
                {
                    await CreateAsync(name, network, cancellationToken);
                    _logger.LogInformation("network {Network}: created {EngineNetwork} ({Subnet})", network.NetworkName, name, network.Subnet);
                    return name;
                }
                catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict || Message(ex).Contains("already exists", StringComparison.OrdinalIgnoreCase))
                {
                    // another agent on this engine created it meanwhile
                    return name;
                }
                catch (DockerApiException ex) when (attempt == 0 && Message(ex).Contains("overlaps", StringComparison.OrdinalIgnoreCase))
                {
                    // a network of a cluster network that no longer exists may still hold the subnet
                    if (!await RemoveStaleOverlappingAsync(network, name, cancellationToken))
                    {
                        throw new TaskRejectedException($"task: network {network.NetworkName}: the engine refused subnet {network.Subnet}: {Message(ex)}");
                    }
                }
                catch (DockerApiException ex)
                {
                    throw new TaskRejectedException($"task: network {network.NetworkName}: creating {name} failed: {Message(ex)}");
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Removes this engine's cluster networks that no running container is connected to and no task of this
    /// agent needs. A network another agent's container uses is refused by the engine and kept.
    /// </summary>
    public async Task PruneAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var network in await ListAsync(cancellationToken))
            {
                var clusterId = network.Labels is { } labels && labels.TryGetValue(DockerLabels.NetworkId, out var id) ? id : "";
                bool needed;
                lock (_needed)
                {
                    needed = _needed.ContainsKey(clusterId);
                }

                if (needed)
                {
                    continue;
                }

                var inspect = await _client.Networks.InspectNetworkAsync(network.ID, cancellationToken);
                if (inspect.Containers is { Count: > 0 })
                {
                    continue;
                }

                try
                {
                    await _client.Networks.DeleteNetworkAsync(network.ID, cancellationToken);
                    _logger.LogInformation("network {EngineNetwork}: removed (no task uses it)", network.Name);
                }
                catch (DockerApiException ex)
                {
                    // in use (a container of another agent connected meanwhile) or gone already
                    _logger.LogDebug("network {EngineNetwork}: not removed: {Message}", network.Name, Message(ex));
                }
            }
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            _logger.LogWarning("removing unused networks failed: {Message}", ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IList<NetworkResponse>> ListAsync(CancellationToken cancellationToken) =>
        await _client.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [DockerLabels.NetworkId] = true } },
        }, cancellationToken);

    private async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken)
    {
        var found = await _client.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } },
        }, cancellationToken);

        // the name filter matches substrings
        return found.Any(n => n.Name == name);
    }

    private async Task CreateAsync(string name, TaskNetwork network, CancellationToken cancellationToken)
    {
        var ipam = new IPAMConfig { Subnet = network.Subnet };
        if (network.Gateway.Length > 0)
        {
            ipam.Gateway = network.Gateway;
        }

        await _client.Networks.CreateNetworkAsync(new NetworksCreateParameters
        {
            Name = name,
            Driver = "bridge",
            CheckDuplicate = true,
            Attachable = true,
            IPAM = new IPAM { Driver = "default", Config = [ipam] },
            Labels = new Dictionary<string, string>
            {
                [DockerLabels.NetworkId] = network.NetworkId,
                [DockerLabels.NetworkName] = network.NetworkName,
            },
        }, cancellationToken);
    }

    /// <summary>Removes other cluster networks of this engine on the same subnet that no container uses.</summary>
    private async Task<bool> RemoveStaleOverlappingAsync(TaskNetwork network, string name, CancellationToken cancellationToken)
    {
        var removed = false;
        foreach (var other in await ListAsync(cancellationToken))
        {
            if (other.Name == name || other.IPAM?.Config?.Any(c => c.Subnet == network.Subnet) != true)
            {
                continue;
            }

            var inspect = await _client.Networks.InspectNetworkAsync(other.ID, cancellationToken);
            if (inspect.Containers is { Count: > 0 })
            {
                continue;
            }

            try
            {
                await _client.Networks.DeleteNetworkAsync(other.ID, cancellationToken);
                _logger.LogInformation("network {EngineNetwork}: removed (left over, it held subnet {Subnet})", other.Name, network.Subnet);
                removed = true;
            }
            catch (DockerApiException)
            {
            }
        }

        return removed;
    }

    internal static string Message(DockerApiException ex)
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
