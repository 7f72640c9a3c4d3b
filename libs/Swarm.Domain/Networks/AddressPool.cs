using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Swarm.Contracts.Events;

namespace Swarm.Domain.Networks;

/// <summary>An IPv4 subnet: its first address and prefix length.</summary>
public readonly record struct Subnet(uint BaseAddress, int PrefixLength)
{
    public ulong Size => 1UL << (32 - PrefixLength);

    public uint LastAddress => (uint)(BaseAddress + Size - 1);

    /// <summary>First address a task or VIP may hold (the network address is skipped).</summary>
    public uint FirstHost => BaseAddress + 1;

    /// <summary>Last address a task or VIP may hold (the broadcast address is skipped).</summary>
    public uint LastHost => LastAddress - 1;

    public bool Contains(uint address) => address >= BaseAddress && address <= LastAddress;

    public bool Overlaps(Subnet other) => BaseAddress <= other.LastAddress && other.BaseAddress <= LastAddress;

    public override string ToString() => $"{AddressPool.ToText(BaseAddress)}/{PrefixLength}";
}

/// <summary>
/// IPv4 address arithmetic for the cluster's networks: subnets, the pool new networks are carved from,
/// and the next free address of a subnet given the addresses in use.
/// </summary>
public static class AddressPool
{
    public static readonly Guid DefaultNetworkId = Guid.Parse("00000000-0000-5000-8000-0000000000aa");
    public const string DefaultNetworkName = "ingress";
    public const string DefaultSubnet = "10.0.0.0/24";

    /// <summary>Where networks created without a subnet get theirs: the next free /24 of 10.0.0.0/8.</summary>
    public const string ClusterPool = "10.0.0.0/8";
    public const int PoolSubnetPrefix = 24;

    /// <summary>Prefix lengths a network's subnet may have (SwarmKit's /29 is the smallest with room for tasks).</summary>
    public const int MinPrefix = 8;
    public const int MaxPrefix = 29;

    public static NetworkCreated DefaultNetwork(DateTimeOffset now)
    {
        var subnet = ParseSubnet(DefaultSubnet);
        return new NetworkCreated
        {
            NetworkId = DefaultNetworkId,
            Name = DefaultNetworkName,
            Driver = "overlay",
            Subnet = DefaultSubnet,
            Gateway = ToText(subnet.FirstHost),
            Ingress = true,
            At = now,
        };
    }

    /// <summary>Parses an IPv4 CIDR; null when it is not one, or its prefix is outside /8–/29. Host bits are cleared.</summary>
    public static Subnet? TryParseSubnet(string? cidr)
    {
        var parts = (cidr ?? "").Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || parts[0].Count(c => c == '.') != 3
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix)
            || prefix is < MinPrefix or > MaxPrefix)
        {
            return null;
        }

        var mask = uint.MaxValue << (32 - prefix);
        return new Subnet(ToUInt(ip) & mask, prefix);
    }

    public static Subnet ParseSubnet(string cidr) =>
        TryParseSubnet(cidr) ?? throw new ArgumentException($"'{cidr}' is not an IPv4 subnet between /{MinPrefix} and /{MaxPrefix}", nameof(cidr));

    /// <summary>A dotted IPv4 address as a number; null when it is not one.</summary>
    public static uint? TryParseAddress(string? text) =>
        text is not null && text.Count(c => c == '.') == 3 && IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork
            ? ToUInt(ip)
            : null;

    /// <summary>
    /// The first /24 of the cluster pool that overlaps none of <paramref name="taken"/>; null when the pool is full.
    /// </summary>
    public static Subnet? NextFreeSubnet(IEnumerable<Subnet> taken)
    {
        var pool = ParseSubnet(ClusterPool);
        var used = taken.Where(s => s.Overlaps(pool)).OrderBy(s => s.BaseAddress).ToList();
        var step = 1UL << (32 - PoolSubnetPrefix);
        for (ulong candidate = pool.BaseAddress; candidate + step - 1 <= pool.LastAddress; candidate += step)
        {
            var subnet = new Subnet((uint)candidate, PoolSubnetPrefix);
            var overlapping = used.Where(subnet.Overlaps).ToList();
            if (overlapping.Count == 0)
            {
                return subnet;
            }

            // jump past the largest subnet in the way, aligned on the step
            var end = (ulong)overlapping.Max(s => s.LastAddress) + 1;
            candidate = ((end + step - 1) / step * step) - step;
        }

        return null;
    }

    /// <summary>
    /// The next address of <paramref name="subnet"/> not in <paramref name="used"/>, starting at
    /// <paramref name="from"/> and wrapping, skipping the network address, the gateway and broadcast. Null when full.
    /// </summary>
    public static uint? NextFree(Subnet subnet, uint gateway, IReadOnlySet<uint> used, uint from)
    {
        var first = subnet.FirstHost;
        var last = subnet.LastHost;
        var candidate = from < first || from > last ? first : from;
        for (ulong i = 0; i <= last - first; i++)
        {
            if (candidate != gateway && !used.Contains(candidate))
            {
                return candidate;
            }

            candidate = candidate >= last ? first : candidate + 1;
        }

        return null;
    }

    public static uint ToUInt(IPAddress ip) => BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());

    public static uint ToUInt(string address) => ToUInt(IPAddress.Parse(address));

    public static string ToText(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes).ToString();
    }
}
