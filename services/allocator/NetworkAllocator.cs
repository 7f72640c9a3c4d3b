using System.Diagnostics;
using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Networks;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.ServiceDefaults.Tracing;

namespace Swarm.Allocator;

/// <summary>
/// Address allocation decided from the network aggregate and appended with its version, together
/// with the task's move to <c>pending</c>, in one transaction. Two allocators racing for an address
/// conflict at commit and the loser decides again; after a restart the state is simply the log.
/// </summary>
public sealed class NetworkAllocator(IDocumentStore store, TimeProvider time, ILogger<NetworkAllocator> logger)
{
    public static readonly ActivitySource Source = new("Swarm.Allocator");

    // every allocation and release writes the network's stream: one at a time in this process, so
    // they do not refuse each other at commit (another allocator process still can, and is retried)
    private readonly SemaphoreSlim _gate = new(1, 1);

    // networks are never removed: once seen, the default network is not looked up again
    private volatile bool _defaultNetworkExists;

    /// <summary>Creates the default network if the log has none yet.</summary>
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
            await session.SaveChangesAsync(cancellationToken);
            logger.LogInformation("created network {Name} {Subnet}", AddressPool.DefaultNetworkName, AddressPool.DefaultSubnet);
        }
        catch (Exception ex) when (Conflicts.IsConflict(ex))
        {
            // another allocator created it first
        }
    }

    /// <summary>Tasks allocated per transaction, at most.</summary>
    public const int MaxBatch = 2000;

    /// <summary>
    /// Allocates the given tasks and, in the same transactions, every other task still waiting for
    /// an address (up to <see cref="MaxBatch"/> at a time): during a burst the first messages find the
    /// whole backlog in the read model and the later ones find nothing left to do, so the burst takes
    /// a few large transactions whatever the pace at which the bus delivers its messages. Each
    /// transaction reads the network once, decides the addresses one after the other against it, and
    /// checks the network's version at commit.
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
            // a batch is written through several sessions in one transaction (see SessionGroup)
            await using var sessions = await SessionGroup.BeginAsync(store, cancellationToken);
            var now = time.GetUtcNow();
            var tasks = (await sessions.FetchForWritingAsync<SwarmTask>(taskIds.Distinct(), cancellationToken))
                .Where(t => t.Aggregate is { State: TaskState.New } current && TaskStateMachine.IsRunnable(current.DesiredState))
                .ToList();

            // the network (every address it holds) is read only when there is something to allocate
            if (tasks.Count == 0)
            {
                return;
            }

            var network = await sessions.Sessions[0].Events.FetchForWriting<Network>(AddressPool.DefaultNetworkId, cancellationToken);
            var net = network.Aggregate!;

            // one decision for the whole batch: a single event on the network's stream
            if (AddressPool.AllocateMany(net, tasks.Select(t => t.Id)) is { } allocated)
            {
                network.AppendOne(allocated);
                net = net.Apply(allocated);
            }

            var moved = new List<(SwarmTask Task, string Address)>();
            foreach (var task in tasks)
            {
                if (!net.Addresses.TryGetValue(task.Id, out var address))
                {
                    logger.LogWarning("network {Name} has no free address for task {TaskId}", net.Name, task.Id);
                    continue;
                }

                if (TaskDecisions.Allocate(task.Aggregate!, net.Id, address, now) is { } pending)
                {
                    task.AppendOne(pending);
                    moved.Add((task.Aggregate!, address));
                }
            }

            if (moved.Count > 0)
            {
                await sessions.CommitAsync(cancellationToken);
                var committed = time.GetUtcNow();
                foreach (var (task, address) in moved)
                {
                    var tags = TaskTracing.Tags(task.Id, task.ServiceId, task.ServiceName, task.Slot, task.NodeId);
                    tags.Add(new("swarm.network.name", net.Name));
                    tags.Add(new("swarm.task.address", address));
                    tags.Add(new(TaskTracing.BatchSize, moved.Count));
                    TaskTracing.Record(Source, "task allocated", task.TraceParent, now, committed, tags);
                }
            }
        }, cancellationToken: cancellationToken);
    }

    /// <summary>Returns a task's address to the pool (when the task has ended).</summary>
    public Task ReleaseAsync(Guid taskId, CancellationToken cancellationToken) => ReleaseManyAsync([taskId], cancellationToken);

    /// <summary>Returns the addresses of tasks that ended, in one transaction.</summary>
    public async Task ReleaseManyAsync(IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await ReleaseOnceAsync(taskIds, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task ReleaseOnceAsync(IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken) =>
        store.WriteToAggregateAsync<Network>(
            AddressPool.DefaultNetworkId,
            net => net is null ? Decision.Unchanged : Decision.Of(AddressPool.ReleaseMany(net, taskIds)),
            cancellationToken: cancellationToken);

    /// <summary>
    /// Allocates tasks left in <c>new</c> (whose message was missed) and frees the addresses of tasks that
    /// ended or were reaped, reading only ids: at 10,000 tasks this runs every few seconds.
    /// </summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await AllocateAsync([], cancellationToken);

        List<Guid> toRelease;
        await using (var query = store.QuerySession())
        {
            var network = await query.LoadAsync<Network>(AddressPool.DefaultNetworkId, cancellationToken);
            var holders = network?.Addresses.Keys.ToList() ?? [];
            var live = holders.Count == 0
                ? []
                : (await query.Query<SwarmTask>().Where(t => holders.Contains(t.Id) && TaskStateMachine.NonTerminal.Contains(t.State)).Select(t => t.Id).ToListAsync(cancellationToken)).ToHashSet();
            toRelease = holders.Where(id => !live.Contains(id)).ToList();
        }

        if (toRelease.Count > 0)
        {
            await ReleaseManyAsync(toRelease, cancellationToken);
        }
    }
}
