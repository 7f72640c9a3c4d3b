using System.Diagnostics;
using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Networks;
using Swarm.Domain.Tasks;
using Swarm.EventStore;

namespace Swarm.Allocator;

/// <summary>
/// Address allocation decided from the network aggregate and appended with its version, together
/// with the task's move to <c>pending</c>, in one transaction. Two allocators racing for an address
/// conflict at commit and the loser decides again; after a restart the state is simply the log.
/// </summary>
public sealed class NetworkAllocator(IDocumentStore store, TimeProvider time, ILogger<NetworkAllocator> logger)
{
    public static readonly ActivitySource Source = new("Swarm.Allocator");

    /// <summary>Creates the default network if the log has none yet.</summary>
    public async Task EnsureDefaultNetworkAsync(CancellationToken cancellationToken)
    {
        await using var query = store.QuerySession();
        if (await query.LoadAsync<Network>(AddressPool.DefaultNetworkId, cancellationToken) is not null)
        {
            return;
        }

        try
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream<Network>(AddressPool.DefaultNetworkId, AddressPool.DefaultNetwork(time.GetUtcNow()));
            await session.SaveChangesAsync(cancellationToken);
            logger.LogInformation("created network {Name} {Subnet}", AddressPool.DefaultNetworkName, AddressPool.DefaultSubnet);
        }
        catch (Exception ex) when (Conflicts.IsConflict(ex))
        {
            // another allocator created it first
        }
    }

    public async Task AllocateAsync(Guid taskId, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity("allocate task");
        activity?.SetTag("swarm.task.id", taskId);
        await EnsureDefaultNetworkAsync(cancellationToken);
        await Conflicts.RetryAsync(async _ =>
        {
            await using var session = store.LightweightSession();
            session.Stamp();
            var task = await session.Events.FetchForWriting<SwarmTask>(taskId, cancellationToken);
            if (task.Aggregate is not { State: TaskState.New } current || !TaskStateMachine.IsRunnable(current.DesiredState))
            {
                return;
            }

            var network = await session.Events.FetchForWriting<Network>(AddressPool.DefaultNetworkId, cancellationToken);
            var net = network.Aggregate!;
            string address;
            if (net.Addresses.TryGetValue(taskId, out var existing))
            {
                address = existing;
            }
            else if (AddressPool.Allocate(net, taskId) is { } allocated)
            {
                network.AppendOne(allocated);
                address = allocated.Address;
            }
            else
            {
                logger.LogWarning("network {Name} has no free address for task {TaskId}", net.Name, taskId);
                return;
            }

            if (TaskDecisions.Allocate(current, net.Id, address, time.GetUtcNow()) is { } moved)
            {
                task.AppendOne(moved);
            }

            await session.SaveChangesAsync(cancellationToken);
        }, cancellationToken: cancellationToken);
    }

    /// <summary>Returns a task's address to the pool (when the task has ended).</summary>
    public async Task ReleaseAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await Conflicts.RetryAsync(async _ =>
        {
            await using var session = store.LightweightSession();
            session.Stamp();
            var network = await session.Events.FetchForWriting<Network>(AddressPool.DefaultNetworkId, cancellationToken);
            if (network.Aggregate is not { } net || AddressPool.Release(net, taskId) is not { } released)
            {
                return;
            }

            network.AppendOne(released);
            await session.SaveChangesAsync(cancellationToken);
        }, cancellationToken: cancellationToken);
    }

    /// <summary>Allocates tasks left in <c>new</c> and frees addresses of tasks that ended.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        List<Guid> toAllocate;
        List<Guid> toRelease;
        await using (var query = store.QuerySession())
        {
            var fresh = await query.Query<SwarmTask>().Where(t => t.State == TaskState.New).ToListAsync(cancellationToken);
            toAllocate = fresh.Where(t => TaskStateMachine.IsRunnable(t.DesiredState)).Select(t => t.Id).ToList();
            var network = await query.LoadAsync<Network>(AddressPool.DefaultNetworkId, cancellationToken);
            var holders = network?.Addresses.Keys.ToList() ?? [];
            var ended = holders.Count == 0 ? [] : await query.LoadManyAsync<SwarmTask>(cancellationToken, holders);
            toRelease = ended.Where(t => t.IsTerminal).Select(t => t.Id).ToList();
        }

        foreach (var id in toAllocate)
        {
            await AllocateAsync(id, cancellationToken);
        }

        foreach (var id in toRelease)
        {
            await ReleaseAsync(id, cancellationToken);
        }
    }
}
