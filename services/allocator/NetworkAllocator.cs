using System.Diagnostics;
using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Networks;
using Swarm.Domain.Scheduling;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.EventStore.Allocation;
using Swarm.EventStore.Queries;
using Swarm.ServiceDefaults.Tracing;

namespace Swarm.Allocator;

/// <summary>
/// Gives tasks their attachments: an address on each network their service attaches (and on
/// <c>ingress</c> when it publishes an ingress port), the service's virtual IPs and aliases, and its
/// published ports with numbers resolved. Every address and ingress port held is a lease document of its
/// own (<see cref="AddressLease"/>, <see cref="PortLease"/>) inserted in the same transaction as the task
/// events: a batch writes what it changes, and two allocators handing out one address conflict on the
/// lease's id at commit, and the loser decides again from the leases as they are.
/// </summary>
public sealed class NetworkAllocator(IDocumentStore store, TimeProvider time, ILogger<NetworkAllocator> logger)
{
    public static readonly ActivitySource Source = new("Swarm.Allocator");

    // the lease cache is read and changed under this gate: one allocation or release at a time in this
    // process (another allocator process can still conflict at commit, and is retried)
    private readonly SemaphoreSlim _gate = new(1, 1);

    // null until read, and after a transaction that failed (it may hold leases that were never written)
    private LeaseCache? _cache;

    // networks are never removed while used, and ingress never: once seen, it is not looked up again
    private volatile bool _defaultNetworkExists;

    /// <summary>Tasks allocated per transaction, at most.</summary>
    public const int MaxBatch = 2000;

    /// <summary>Lease documents written per session of a batch's group (see <see cref="SessionGroup"/>).</summary>
    private const int LeasesPerSession = 500;

    /// <summary>Creates the default <c>ingress</c> network if the log has none yet.</summary>
    public async Task EnsureDefaultNetworkAsync(CancellationToken cancellationToken)
    {
        if (_defaultNetworkExists)
        {
            return;
        }

        await using var query = store.QuerySession();
        if (await query.LoadAsync<Network>(AddressPool.DefaultNetworkId, cancellationToken) is not null)
        {
            _defaultNetworkExists = true;
            return;
        }

        try
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream<Network>(AddressPool.DefaultNetworkId, AddressPool.DefaultNetwork(time.GetUtcNow()));
            session.Store(new NetworkNameClaim { Id = AddressPool.DefaultNetworkName, NetworkId = AddressPool.DefaultNetworkId });
            await session.SaveChangesAsync(cancellationToken);
            _defaultNetworkExists = true;
            logger.LogInformation("created network {Name} {Subnet}", AddressPool.DefaultNetworkName, AddressPool.DefaultSubnet);
        }
        catch (Exception ex) when (Conflicts.IsConflict(ex))
        {
            // another allocator created it first
        }
    }

    /// <summary>
    /// Allocates the given tasks and, in the same transactions, every other task still waiting for
    /// an address (up to <see cref="MaxBatch"/> at a time): during a burst the first messages find the
    /// whole backlog in the read model and the later ones find nothing left to do, so the burst takes
    /// a few large transactions whatever the pace at which the bus delivers its messages.
    /// </summary>
    public async Task AllocateAsync(IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken)
    {
        await EnsureDefaultNetworkAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // only tasks still new in the read model (updated in the same transaction as the log) are
            // read for writing: during a burst most given tasks were already allocated with the backlog
            var ids = new HashSet<Guid>();
            await using (var query = store.QuerySession())
            {
                var given = taskIds.Distinct().ToArray();
                if (given.Length > 0)
                {
                    ids.UnionWith(await query.Query<SwarmTask>().Where(t => t.State == TaskState.New && TaskStateMachine.Runnable.Contains(t.DesiredState) && given.Contains(t.Id)).Select(t => t.Id).ToListAsync(cancellationToken));
                }

                ids.UnionWith(await query.Query<SwarmTask>().Where(t => t.State == TaskState.New && TaskStateMachine.Runnable.Contains(t.DesiredState)).Select(t => t.Id).Take(MaxBatch).ToListAsync(cancellationToken));
            }

            foreach (var chunk in ids.Chunk(MaxBatch))
            {
                using var activity = Source.StartActivity("allocate tasks");
                activity?.SetTag("swarm.tasks", chunk.Length);
                await AllocateOnceAsync(chunk, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task AllocateOnceAsync(IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken)
    {
        await Conflicts.RetryAsync(async _ =>
        {
            try
            {
                await AllocateInTransactionAsync(taskIds, cancellationToken);
            }
            catch
            {
                // what the cache took for leased in this attempt was never written (or another allocator
                // holds something it took for free): read the leases again
                _cache = null;
                throw;
            }
        }, cancellationToken: cancellationToken);
    }

    private async Task AllocateInTransactionAsync(IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken)
    {
        // a batch is written through several sessions in one transaction (see SessionGroup)
        await using var sessions = await SessionGroup.BeginAsync(store, cancellationToken);
        var now = time.GetUtcNow();
        var tasks = (await sessions.FetchForWritingAsync<SwarmTask>(taskIds.Distinct(), cancellationToken))
            .Where(t => t.Aggregate is { State: TaskState.New } current && TaskStateMachine.IsRunnable(current.DesiredState))
            .ToList();
        if (tasks.Count == 0)
        {
            return;
        }

        var side = sessions.NewSession();
        var cache = _cache ??= await LeaseCache.LoadAsync(side, cancellationToken);
        var networks = await side.LiveNetworksAsync(cancellationToken);
        var leases = new List<object>();

        // each service's endpoint (VIPs, port numbers) for its current spec, allocated when missing or stale
        var endpoints = new Dictionary<Guid, ServiceEndpoint?>();
        var endpointsAllocated = 0;
        foreach (var serviceId in tasks.Select(t => t.Aggregate!.ServiceId).Distinct())
        {
            var stream = await side.Events.FetchForWriting<Service>(serviceId, cancellationToken);
            var before = stream.Aggregate?.Endpoint;
            endpoints[serviceId] = await EndpointAsync(stream, side, cache, networks, leases, now, cancellationToken);
            endpointsAllocated += ReferenceEquals(before, endpoints[serviceId]) ? 0 : 1;
        }

        var moved = new List<(SwarmTask Task, TaskAllocated Allocated)>();
        foreach (var task in tasks)
        {
            var current = task.Aggregate!;
            var attachments = ServiceEndpointPlan.Attachments(current.Spec, networks, out var missing);
            if (missing.Count > 0)
            {
                logger.LogWarning("task {TaskId} of service {Service}: no network {Networks} (removed since the spec was written); attached to the others", current.Id, current.ServiceName, string.Join(", ", missing));
            }

            var endpoint = endpoints[current.ServiceId];
            var given = new List<NetworkAttachment>();
            var taskLeases = new List<(NetworkLeases Network, AddressLease Lease)>();
            foreach (var (network, aliases) in attachments)
            {
                var pool = await cache.NetworkAsync(side, network, cancellationToken);
                if (pool.Allocate() is not { } address)
                {
                    break;
                }

                taskLeases.Add((pool, new AddressLease { Id = AddressLease.IdOf(network.Id, address), NetworkId = network.Id, Address = address, HolderId = current.Id, Kind = LeaseKinds.Task }));
                given.Add(new NetworkAttachment
                {
                    NetworkId = network.Id,
                    NetworkName = network.Name,
                    Driver = network.Driver,
                    Subnet = network.Subnet,
                    Gateway = network.Gateway,
                    Address = address,
                    VirtualIp = endpoint?.VirtualIps.FirstOrDefault(v => v.NetworkId == network.Id)?.Address,
                    Aliases = [current.ServiceName, .. aliases.Where(a => a != current.ServiceName)],
                });
            }

            if (given.Count < attachments.Count)
            {
                // a full subnet: the task waits in new, holding nothing
                logger.LogWarning("network {Name} has no free address for task {TaskId}", attachments[given.Count].Network.Name, current.Id);
                foreach (var (pool, lease) in taskLeases)
                {
                    pool.Release(lease.Address);
                }

                continue;
            }

            if (TaskDecisions.Allocate(current, given, ServiceEndpointPlan.TaskPorts(current.Spec, endpoint), now) is { } allocated)
            {
                task.AppendOne(allocated);
                leases.AddRange(taskLeases.Select(l => l.Lease));
                moved.Add((current, allocated));
            }
        }

        if (moved.Count == 0 && endpointsAllocated == 0)
        {
            return;
        }

        foreach (var chunk in leases.Chunk(LeasesPerSession))
        {
            var session = sessions.NewSession();
            foreach (var lease in chunk)
            {
                // inserted: a lease another allocator holds makes the transaction conflict
                session.Insert(lease);
            }
        }

        await sessions.CommitAsync(cancellationToken);
        var committed = time.GetUtcNow();
        foreach (var (task, allocated) in moved)
        {
            var tags = TaskTracing.Tags(task.Id, task.ServiceId, task.ServiceName, task.Slot, task.NodeId);
            tags.Add(new("swarm.network.name", allocated.Networks is { Count: > 0 } n ? string.Join(",", n.Select(a => a.NetworkName)) : "none"));
            tags.Add(new("swarm.task.address", allocated.Address));
            tags.Add(new(TaskTracing.BatchSize, moved.Count));
            TaskTracing.Record(Source, "task allocated", task.TraceParent, now, committed, tags);
        }
    }

    /// <summary>
    /// The service's endpoint for its current spec: as it is when current, otherwise allocated (VIPs kept
    /// for networks still attached, new ones leased, the others given back; ingress ports likewise) and
    /// appended as <see cref="ServiceEndpointAllocated"/> to the service's stream. Null for a removed service.
    /// </summary>
    private async Task<ServiceEndpoint?> EndpointAsync(JasperFx.Events.IEventStream<Service> stream, IDocumentSession side, LeaseCache cache, IReadOnlyCollection<Network> networks, List<object> leases, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (stream.Aggregate is not { Removed: false } service)
        {
            return null;
        }

        var spec = service.Spec;
        var attachments = ServiceEndpointPlan.Attachments(spec, networks, out _);
        var networkIds = attachments.Select(a => a.Network.Id).ToList();
        if (ServiceEndpointPlan.IsCurrent(service.Endpoint, spec, networkIds))
        {
            return service.Endpoint;
        }

        var previous = service.Endpoint;
        var vips = new List<VirtualIp>();
        if (ServiceEndpointPlan.UsesVip(spec))
        {
            foreach (var (network, _) in attachments)
            {
                if (previous?.VirtualIps.FirstOrDefault(v => v.NetworkId == network.Id) is { } kept)
                {
                    vips.Add(kept);
                    continue;
                }

                var pool = await cache.NetworkAsync(side, network, cancellationToken);
                if (pool.Allocate() is not { } address)
                {
                    logger.LogWarning("network {Name} has no free address for the virtual IP of service {Service}", network.Name, service.Name);
                    continue;
                }

                leases.Add(new AddressLease { Id = AddressLease.IdOf(network.Id, address), NetworkId = network.Id, Address = address, HolderId = service.Id, Kind = LeaseKinds.VirtualIp });
                vips.Add(new VirtualIp(network.Id, address));
            }
        }

        foreach (var dropped in (previous?.VirtualIps ?? []).Where(v => !vips.Contains(v)))
        {
            side.Delete<AddressLease>(AddressLease.IdOf(dropped.NetworkId, dropped.Address));
            if (networks.FirstOrDefault(n => n.Id == dropped.NetworkId) is { } network)
            {
                (await cache.NetworkAsync(side, network, cancellationToken)).Release(dropped.Address);
            }
        }

        var ports = ServiceEndpointPlan.ResolvePorts(spec, previous?.Ports, protocol => cache.AllocatePort(protocol, service.Id));
        var held = new HashSet<string>();
        foreach (var port in ports.Where(p => ServiceSpecValidator.IsIngress(p) && p.PublishedPort is not null))
        {
            var protocol = HostPorts.Protocol(port);
            var number = port.PublishedPort!.Value;
            held.Add(PortLease.IdOf(protocol, number));
            var holder = cache.PortHolder(protocol, number);
            var newlyLeased = previous?.Ports.Any(p => p.PublishedPort == number && HostPorts.Protocol(p) == protocol && ServiceSpecValidator.IsIngress(p)) != true;
            if (holder is { } other && other != service.Id)
            {
                // refused at create/update; two creates racing can still both pass their checks
                logger.LogWarning("ingress port {Port}/{Protocol} of service {Service} is already held by service {Holder}", number, protocol, service.Name, other);
                continue;
            }

            if (newlyLeased)
            {
                cache.HoldPort(protocol, number, service.Id);
                leases.Add(new PortLease { Id = PortLease.IdOf(protocol, number), Protocol = protocol, Port = number, ServiceId = service.Id });
            }
        }

        foreach (var port in (previous?.Ports ?? []).Where(p => ServiceSpecValidator.IsIngress(p) && p.PublishedPort is not null))
        {
            var id = PortLease.IdOf(HostPorts.Protocol(port), port.PublishedPort!.Value);
            if (!held.Contains(id))
            {
                side.Delete<PortLease>(id);
                cache.ReleasePort(id);
            }
        }

        var allocated = new ServiceEndpointAllocated { ServiceId = service.Id, VirtualIps = vips, Ports = ports, At = now };
        stream.AppendOne(allocated);
        logger.LogInformation("service {Service} endpoint: VIPs {Vips}, ports {Ports}", service.Name,
            string.Join(", ", vips.Select(v => v.Address)), string.Join(", ", ports.Select(p => $"{p.PublishedPort}:{p.TargetPort}/{p.Protocol}")));
        return new ServiceEndpoint(vips, ports);
    }

    /// <summary>Returns a task's addresses (when the task has ended).</summary>
    public Task ReleaseAsync(Guid taskId, CancellationToken cancellationToken) => ReleaseManyAsync([taskId], cancellationToken);

    /// <summary>Returns the addresses of tasks that ended, in one transaction: their leases are deleted.</summary>
    public async Task ReleaseManyAsync(IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await Conflicts.RetryAsync(async _ =>
            {
                var holders = taskIds.Distinct().ToArray();
                await using var session = store.LightweightSession();
                var held = await session.Query<AddressLease>().Where(l => holders.Contains(l.HolderId) && l.Kind == LeaseKinds.Task).ToListAsync(cancellationToken);
                if (held.Count == 0)
                {
                    return;
                }

                foreach (var lease in held)
                {
                    session.Delete<AddressLease>(lease.Id);
                }

                await session.SaveChangesAsync(cancellationToken);
                _cache?.Released(held);
            }, cancellationToken: cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Returns the virtual IPs and ingress ports of services that were removed.</summary>
    private async Task ReleaseServicesAsync(IReadOnlyCollection<Guid> serviceIds, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var holders = serviceIds.ToArray();
            await using var session = store.LightweightSession();
            var vips = await session.Query<AddressLease>().Where(l => holders.Contains(l.HolderId) && l.Kind == LeaseKinds.VirtualIp).ToListAsync(cancellationToken);
            var ports = await session.Query<PortLease>().Where(p => holders.Contains(p.ServiceId)).ToListAsync(cancellationToken);
            foreach (var lease in vips)
            {
                session.Delete<AddressLease>(lease.Id);
            }

            foreach (var port in ports)
            {
                session.Delete<PortLease>(port.Id);
            }

            await session.SaveChangesAsync(cancellationToken);
            _cache?.Released(vips);
            foreach (var port in ports)
            {
                _cache?.ReleasePort(port.Id);
            }

            if (vips.Count + ports.Count > 0)
            {
                logger.LogInformation("released {Vips} virtual IPs and {Ports} ports of {Services} removed services", vips.Count, ports.Count, holders.Length);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Allocates tasks left in <c>new</c> (whose message was missed), frees the addresses of tasks that
    /// ended or were reaped, and the virtual IPs and ports of removed services, reading only ids.
    /// </summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await AllocateAsync([], cancellationToken);

        List<Guid> endedTasks;
        List<Guid> removedServices;
        await using (var query = store.QuerySession())
        {
            var taskHolders = (await query.Query<AddressLease>().Where(l => l.Kind == LeaseKinds.Task).Select(l => l.HolderId).ToListAsync(cancellationToken)).Distinct().ToList();
            var live = taskHolders.Count == 0
                ? []
                : (await query.Query<SwarmTask>().Where(t => taskHolders.Contains(t.Id) && TaskStateMachine.NonTerminal.Contains(t.State)).Select(t => t.Id).ToListAsync(cancellationToken)).ToHashSet();
            endedTasks = taskHolders.Where(id => !live.Contains(id)).ToList();

            var serviceHolders = (await query.Query<AddressLease>().Where(l => l.Kind == LeaseKinds.VirtualIp).Select(l => l.HolderId).ToListAsync(cancellationToken))
                .Concat(await query.Query<PortLease>().Select(p => p.ServiceId).ToListAsync(cancellationToken))
                .Distinct()
                .ToList();
            var liveServices = serviceHolders.Count == 0
                ? []
                : (await query.Query<Service>().Where(s => serviceHolders.Contains(s.Id) && !s.Removed).Select(s => s.Id).ToListAsync(cancellationToken)).ToHashSet();
            removedServices = serviceHolders.Where(id => !liveServices.Contains(id)).ToList();
        }

        if (endedTasks.Count > 0)
        {
            await ReleaseManyAsync(endedTasks, cancellationToken);
        }

        if (removedServices.Count > 0)
        {
            await ReleaseServicesAsync(removedServices, cancellationToken);
        }
    }
}
