using Swarm.Contracts.Events;

namespace Swarm.Domain.Networks;

/// <summary>
/// A network and the addresses handed out on it. Allocation decisions are made from this aggregate
/// and appended with its version, so two allocators can never hand out the same address.
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

    /// <summary>Task id → address.</summary>
    public Dictionary<Guid, string> Addresses { get; init; } = [];
    public string? LastAllocated { get; init; }

    public static Network Create(NetworkCreated e) => new()
    {
        Id = e.NetworkId,
        Name = e.Name,
        Driver = e.Driver,
        Subnet = e.Subnet,
        Gateway = e.Gateway,
        Attachable = e.Attachable,
        Ingress = e.Ingress,
        Labels = e.Labels,
        CreatedAt = e.At,
    };

    public Network Apply(NetworkRemoved e) => this with { Removed = true };

    public Network Apply(AddressAllocated e) => this with
    {
        Addresses = new Dictionary<Guid, string>(Addresses) { [e.TaskId] = e.Address },
        LastAllocated = e.Address,
    };

    public Network Apply(AddressesAllocated e)
    {
        var addresses = new Dictionary<Guid, string>(Addresses);
        foreach (var a in e.Addresses)
        {
            addresses[a.TaskId] = a.Address;
        }

        return this with { Addresses = addresses, LastAllocated = e.Addresses.Count > 0 ? e.Addresses[^1].Address : LastAllocated };
    }

    public Network Apply(AddressesReleased e)
    {
        var addresses = new Dictionary<Guid, string>(Addresses);
        foreach (var a in e.Addresses)
        {
            addresses.Remove(a.TaskId);
        }

        return this with { Addresses = addresses };
    }

    public Network Apply(AddressReleased e)
    {
        var addresses = new Dictionary<Guid, string>(Addresses);
        addresses.Remove(e.TaskId);
        return this with { Addresses = addresses };
    }
}
