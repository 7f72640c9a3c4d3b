using System.Buffers.Binary;
using System.Net;
using Swarm.Contracts.Events;

namespace Swarm.Domain.Networks;

/// <summary>IPv4 address arithmetic for a network's subnet.</summary>
public static class AddressPool
{
    public static readonly Guid DefaultNetworkId = Guid.Parse("00000000-0000-5000-8000-0000000000aa");
    public const string DefaultNetworkName = "ingress";
    public const string DefaultSubnet = "10.0.0.0/16";

    public static NetworkCreated DefaultNetwork(DateTimeOffset now)
    {
        var (baseAddress, _) = ParseSubnet(DefaultSubnet);
        return new NetworkCreated
        {
            NetworkId = DefaultNetworkId,
            Name = DefaultNetworkName,
            Driver = "overlay",
            Subnet = DefaultSubnet,
            Gateway = ToString(baseAddress + 1),
            At = now,
        };
    }

    public static (uint BaseAddress, int PrefixLength) ParseSubnet(string cidr)
    {
        var parts = cidr.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(parts[1], out var prefix) || prefix is < 8 or > 30)
        {
            throw new ArgumentException($"'{cidr}' is not an IPv4 subnet between /8 and /30", nameof(cidr));
        }

        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        return (ToUInt(ip) & mask, prefix);
    }

    /// <summary>
    /// The next free address after the last one handed out (wrapping), skipping the network address,
    /// the gateway and broadcast. Null when the subnet is full.
    /// </summary>
    public static AddressAllocated? Allocate(Network network, Guid taskId)
    {
        if (network.Addresses.TryGetValue(taskId, out _))
        {
            return null;
        }

        var (baseAddress, prefix) = ParseSubnet(network.Subnet);
        var size = 1u << (32 - prefix);
        var first = baseAddress + 1;
        var last = baseAddress + size - 2;
        var gateway = ToUInt(IPAddress.Parse(network.Gateway));
        var used = new HashSet<string>(network.Addresses.Values);
        var start = network.LastAllocated is { } l ? ToUInt(IPAddress.Parse(l)) + 1 : first;
        if (start < first || start > last)
        {
            start = first;
        }

        var candidate = start;
        for (var i = 0u; i < size; i++)
        {
            if (candidate != gateway)
            {
                var text = ToString(candidate);
                if (!used.Contains(text))
                {
                    return new AddressAllocated { NetworkId = network.Id, TaskId = taskId, Address = text };
                }
            }

            candidate = candidate >= last ? first : candidate + 1;
        }

        return null;
    }

    /// <summary>
    /// Addresses for many tasks at once, each the next free one after the previous (one pass over the
    /// addresses in use, whatever the number of tasks). Tasks that already hold one are skipped.
    /// Null when there is nothing to hand out; fewer than asked when the subnet runs out.
    /// </summary>
    public static AddressesAllocated? AllocateMany(Network network, IEnumerable<Guid> taskIds)
    {
        var (baseAddress, prefix) = ParseSubnet(network.Subnet);
        var size = 1u << (32 - prefix);
        var first = baseAddress + 1;
        var last = baseAddress + size - 2;
        var gateway = ToUInt(IPAddress.Parse(network.Gateway));
        var used = new HashSet<uint>(network.Addresses.Values.Select(a => ToUInt(IPAddress.Parse(a))));
        var candidate = network.LastAllocated is { } l ? ToUInt(IPAddress.Parse(l)) + 1 : first;
        var result = new List<AddressAssignment>();
        foreach (var taskId in taskIds.Distinct())
        {
            if (network.Addresses.ContainsKey(taskId))
            {
                continue;
            }

            var found = false;
            for (var i = 0u; i < size && !found; i++)
            {
                if (candidate < first || candidate > last)
                {
                    candidate = first;
                }

                if (candidate != gateway && used.Add(candidate))
                {
                    result.Add(new AddressAssignment(taskId, ToString(candidate)));
                    found = true;
                }

                candidate++;
            }

            if (!found)
            {
                break;
            }
        }

        return result.Count == 0 ? null : new AddressesAllocated { NetworkId = network.Id, Addresses = result };
    }

    /// <summary>The addresses of the given tasks, given back; null when none of them holds one.</summary>
    public static AddressesReleased? ReleaseMany(Network network, IEnumerable<Guid> taskIds)
    {
        var released = taskIds.Distinct()
            .Where(network.Addresses.ContainsKey)
            .Select(id => new AddressAssignment(id, network.Addresses[id]))
            .ToList();
        return released.Count == 0 ? null : new AddressesReleased { NetworkId = network.Id, Addresses = released };
    }

    public static AddressReleased? Release(Network network, Guid taskId) =>
        network.Addresses.TryGetValue(taskId, out var address)
            ? new AddressReleased { NetworkId = network.Id, TaskId = taskId, Address = address }
            : null;

    private static uint ToUInt(IPAddress ip) => BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());

    private static string ToString(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes).ToString();
    }
}
