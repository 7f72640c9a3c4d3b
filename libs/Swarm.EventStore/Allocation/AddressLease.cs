namespace Swarm.EventStore.Allocation;

/// <summary>
/// One address held on one network: id <c>"&lt;networkId&gt;/&lt;address&gt;"</c>, so two allocators handing out the
/// same address conflict at commit (the id is unique) and one of them decides again. Written in the same
/// transaction as the task events that carry the address, deleted when the holder ends: an allocation
/// writes only what it changes.
/// </summary>
public sealed record AddressLease
{
    public string Id { get; init; } = "";
    public Guid NetworkId { get; init; }
    public string Address { get; init; } = "";

    /// <summary>The task, or the service (its virtual IP), holding the address.</summary>
    public Guid HolderId { get; init; }

    /// <summary><see cref="LeaseKinds.Task"/> or <see cref="LeaseKinds.VirtualIp"/>.</summary>
    public string Kind { get; init; } = LeaseKinds.Task;

    public static string IdOf(Guid networkId, string address) => $"{networkId:D}/{address}";
}

/// <summary>
/// One published ingress port held by a service: id <c>"tcp/30001"</c>, unique across the cluster like an address lease.
/// </summary>
public sealed record PortLease
{
    public string Id { get; init; } = "";
    public string Protocol { get; init; } = "tcp";
    public int Port { get; init; }
    public Guid ServiceId { get; init; }

    public static string IdOf(string protocol, int port) => $"{protocol}/{port}";
}

public static class LeaseKinds
{
    public const string Task = "task";
    public const string VirtualIp = "vip";
}
