using Marten;
using Swarm.Domain.Networks;
using Swarm.EventStore.Allocation;

namespace Swarm.Allocator;

/// <summary>
/// The leases this allocator knows of, so a batch costs what it touches: the addresses held on each
/// network (read from the leases once, at first use) and the ingress ports held. Kept current as this
/// process allocates and releases; thrown away and read again after a failed or conflicting transaction
/// (another allocator may have leased what this one thought free). Only used under the allocator's gate.
/// </summary>
internal sealed class LeaseCache
{
    private readonly Dictionary<Guid, NetworkLeases> _networks = [];
    private readonly Dictionary<string, Guid> _ports;
    private int _nextPort = ServiceEndpointPlan.IngressPortFirst;

    private LeaseCache(Dictionary<string, Guid> ports) => _ports = ports;

    public static async Task<LeaseCache> LoadAsync(IQuerySession session, CancellationToken cancellationToken)
    {
        var ports = await session.Query<PortLease>().ToListAsync(cancellationToken);
        return new LeaseCache(ports.ToDictionary(p => p.Id, p => p.ServiceId));
    }

    /// <summary>The addresses held on <paramref name="network"/>, read from its leases the first time.</summary>
    public async Task<NetworkLeases> NetworkAsync(IQuerySession session, Network network, CancellationToken cancellationToken)
    {
        if (_networks.TryGetValue(network.Id, out var known))
        {
            return known;
        }

        var addresses = await session.Query<AddressLease>().Where(l => l.NetworkId == network.Id).Select(l => l.Address).ToListAsync(cancellationToken);
        var leases = new NetworkLeases(network, addresses.Select(AddressPool.ToUInt));
        _networks[network.Id] = leases;
        return leases;
    }

    /// <summary>Forgets addresses given back (only for networks already read).</summary>
    public void Released(IEnumerable<AddressLease> leases)
    {
        foreach (var lease in leases)
        {
            if (_networks.TryGetValue(lease.NetworkId, out var network))
            {
                network.Used.Remove(AddressPool.ToUInt(lease.Address));
            }
        }
    }

    public Guid? PortHolder(string protocol, int port) => _ports.TryGetValue(PortLease.IdOf(protocol, port), out var holder) ? holder : null;

    public void HoldPort(string protocol, int port, Guid serviceId) => _ports[PortLease.IdOf(protocol, port)] = serviceId;

    public void ReleasePort(string id) => _ports.Remove(id);

    /// <summary>A free number of the ingress range for <paramref name="protocol"/>, marked held by <paramref name="serviceId"/>; null when the range is full.</summary>
    public int? AllocatePort(string protocol, Guid serviceId)
    {
        var port = ServiceEndpointPlan.NextFreeIngressPort(p => _ports.ContainsKey(PortLease.IdOf(protocol, p)), _nextPort);
        if (port is { } given)
        {
            HoldPort(protocol, given, serviceId);
            _nextPort = given + 1;
        }

        return port;
    }
}

/// <summary>The addresses held on one network, and where to look for the next free one.</summary>
internal sealed class NetworkLeases
{
    private readonly Subnet _subnet;
    private readonly uint _gateway;
    private uint _next;

    public NetworkLeases(Network network, IEnumerable<uint> used)
    {
        Network = network;
        _subnet = AddressPool.ParseSubnet(network.Subnet);
        _gateway = AddressPool.ToUInt(network.Gateway);
        Used = [.. used];
        _next = Used.Count == 0 ? _subnet.FirstHost : Used.Max() + 1;
    }

    public Network Network { get; }

    public HashSet<uint> Used { get; }

    /// <summary>The next free address after the last one handed out (wrapping), marked used; null when the subnet is full.</summary>
    public string? Allocate()
    {
        if (AddressPool.NextFree(_subnet, _gateway, Used, _next) is not { } address)
        {
            return null;
        }

        Used.Add(address);
        _next = address + 1;
        return AddressPool.ToText(address);
    }

    public void Release(string address) => Used.Remove(AddressPool.ToUInt(address));
}
