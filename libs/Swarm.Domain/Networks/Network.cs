using Swarm.Contracts.Events;

namespace Swarm.Domain.Networks;

/// <summary>
/// A network as a cluster object: its name, driver and subnet. The addresses handed out on it are not
/// part of it: each is a lease of its own (see the allocator), so an allocation writes only what changed.
/// </summary>
public sealed record Network
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Driver { get; init; } = "";
    public string Subnet { get; init; } = "";
    public string Gateway { get; init; } = "";
    public bool Attachable { get; init; }

    /// <summary>The cluster's routing-mesh network.</summary>
    public bool Ingress { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public bool Removed { get; init; }

    public static Network Create(NetworkCreated e) => new()
    {
        Id = e.NetworkId,
        Name = e.Name,
        Driver = e.Driver,
        Subnet = e.Subnet,
        Gateway = e.Gateway,
        Attachable = e.Attachable,
        // logs written before networks were cluster objects created the default network without the flag
        Ingress = e.Ingress || e.NetworkId == AddressPool.DefaultNetworkId,
        Labels = e.Labels,
        CreatedAt = e.At,
    };

    public Network Apply(NetworkRemoved e) => this with { Removed = true };
}
