using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>
/// The allocator resolved a service's endpoint for its current spec: a virtual IP per attached network
/// (endpoint mode <c>vip</c>) and its published ports, with a number from the ingress range given to
/// each ingress port that had none. Appended to the service's stream.
/// </summary>
public sealed record ServiceEndpointAllocated
{
    public Guid ServiceId { get; init; }
    public IReadOnlyList<VirtualIp> VirtualIps { get; init; } = [];
    public IReadOnlyList<PortSpec> Ports { get; init; } = [];
    public DateTimeOffset At { get; init; }
}
