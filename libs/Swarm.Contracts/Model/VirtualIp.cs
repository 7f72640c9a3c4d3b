namespace Swarm.Contracts.Model;

/// <summary>A service's virtual IP on one network.</summary>
public sealed record VirtualIp(Guid NetworkId, string Address);
