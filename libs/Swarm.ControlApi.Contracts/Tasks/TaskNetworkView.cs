namespace Swarm.ControlApi.Contracts;

/// <summary>
/// A task's attachment to one network, as the allocator gave it: its address there, the service's virtual IP
/// there (null for endpoint mode <c>dnsrr</c>) and the names it answers to (the service name first).
/// </summary>
public sealed record TaskNetworkView
{
    public Guid NetworkId { get; init; }
    public string NetworkName { get; init; } = "";
    public string Address { get; init; } = "";
    public string? VirtualIp { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
}
