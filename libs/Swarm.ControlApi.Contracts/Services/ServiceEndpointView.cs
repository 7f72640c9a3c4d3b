using Swarm.Contracts.Model;

namespace Swarm.ControlApi.Contracts;

/// <summary>
/// A service's endpoint as the allocator resolved it: a virtual IP per attached network (endpoint mode
/// <c>vip</c>) and its published ports with every number resolved (an ingress port given no number gets one
/// from 30000–32767).
/// </summary>
public sealed record ServiceEndpointView
{
    public IReadOnlyList<VirtualIpView> VirtualIps { get; init; } = [];
    public IReadOnlyList<PortSpec> Ports { get; init; } = [];
}

/// <summary>A service's virtual IP on one network; <see cref="NetworkName"/> is empty when the network is gone.</summary>
public sealed record VirtualIpView
{
    public Guid NetworkId { get; init; }
    public string NetworkName { get; init; } = "";
    public string Address { get; init; } = "";
}

/// <summary>
/// A network a service asked for (<c>--network</c>): <see cref="Target"/> as given, the network it names
/// (null when no live network has that name or id) and the extra aliases.
/// </summary>
public sealed record ServiceNetworkView
{
    public string Target { get; init; } = "";
    public Guid? NetworkId { get; init; }
    public string? NetworkName { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
}
