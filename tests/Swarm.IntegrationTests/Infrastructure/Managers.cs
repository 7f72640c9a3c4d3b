using Marten;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Allocator;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.Messaging;
using Swarm.Orchestrator;
using Swarm.Scheduler;

using Swarm.Testing;

namespace Swarm.IntegrationTests.Infrastructure;

/// <summary>
/// The manager services (orchestrator, allocator, scheduler) hosted in the test process, each with
/// its own container, bus connection and queues, against the real log and broker of an
/// <see cref="IsolatedCluster"/>. A client host sends commands and reads the log.
/// </summary>
public sealed class Managers : IAsyncDisposable
{
    private readonly IsolatedCluster _cluster;
    private readonly Dictionary<string, IHost> _hosts = [];
    private IHost _client = null!;

    private Managers(IsolatedCluster cluster) => _cluster = cluster;

    public IDocumentStore Store => _client.Services.GetRequiredService<IDocumentStore>();
    public IBus Bus => _client.Services.GetRequiredService<IBus>();

    public static async Task<Managers> StartAsync(IsolatedCluster cluster)
    {
        var managers = new Managers(cluster);
        await managers.StartClientAsync();
        foreach (var name in new[] { "orchestrator", "allocator", "scheduler" })
        {
            await managers.StartAsync(name);
        }

        // the allocator creates the default network at start-up; let that land before a test counts events
        await Eventually.WaitAsync(async () =>
        {
            await using var query = managers.Store.QuerySession();
            return await query.LoadAsync<Swarm.Domain.Networks.Network>(Swarm.Domain.Networks.AddressPool.DefaultNetworkId);
        }, n => n is not null, TimeSpan.FromSeconds(30), "the default network");
        return managers;
    }

    public async Task StartAsync(string name)
    {
        var builder = Host.CreateApplicationBuilder();
        // "allocator2" and the like: a second allocator process, sharing the allocator's queues
        var role = name.StartsWith("allocator", StringComparison.Ordinal) ? "allocator" : name;
        builder.Configuration.AddInMemoryCollection(_cluster.Settings(role));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Orchestrator:FullReconcileSeconds"] = "3" });
        TestHosts.Quiet(builder.Logging);
        _ = role switch
        {
            "orchestrator" => builder.AddOrchestrator(),
            "allocator" => builder.AddAllocator(),
            "scheduler" => builder.AddScheduler(),
            _ => throw new ArgumentException(name),
        };
        TestHosts.WaitForTheBus(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        _hosts[name] = host;
    }

    public async Task StopAsync(string name)
    {
        if (_hosts.Remove(name, out var host))
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private async Task StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(_cluster.Settings("testclient"));
        TestHosts.Quiet(builder.Logging);
        builder.Services.AddSwarmEventStore(builder.Configuration, runRelay: false);
        builder.Services.AddSwarmBus(builder.Configuration, x =>
        {
            x.AddRequestClient<CreateService>(TimeSpan.FromSeconds(20));
            x.AddRequestClient<UpdateService>(TimeSpan.FromSeconds(20));
            x.AddRequestClient<RemoveService>(TimeSpan.FromSeconds(20));
            x.AddRequestClient<UpdateNode>(TimeSpan.FromSeconds(20));
            x.AddRequestClient<UpdateCluster>(TimeSpan.FromSeconds(20));
            x.AddRequestClient<CreateNetwork>(TimeSpan.FromSeconds(20));
            x.AddRequestClient<RemoveNetwork>(TimeSpan.FromSeconds(20));
        });
        TestHosts.WaitForTheBus(builder.Services);
        _client = builder.Build();
        await _client.StartAsync();
    }

    public async Task<Response<CommandAccepted, CommandRejected>> SendAsync<T>(T command) where T : class
    {
        var client = _client.Services.GetRequiredService<IRequestClient<T>>();
        return await client.GetResponse<CommandAccepted, CommandRejected>(command);
    }

    /// <summary>Sends a command that must be accepted; fails with the rejection otherwise.</summary>
    public async Task<CommandAccepted> AcceptedAsync<T>(T command) where T : class
    {
        var response = await SendAsync(command);
        if (response.Is(out Response<CommandRejected>? rejected))
        {
            throw new InvalidOperationException($"{typeof(T).Name} rejected: {rejected!.Message.Field}: {rejected.Message.Reason}");
        }

        return response.Is(out Response<CommandAccepted>? accepted) ? accepted!.Message : throw new InvalidOperationException("no answer");
    }

    public async Task<IReadOnlyList<SwarmTask>> TasksAsync(Guid? serviceId = null)
    {
        await using var query = Store.QuerySession();
        var all = await query.Query<SwarmTask>().ToListAsync();
        return all.Where(t => serviceId is null || t.ServiceId == serviceId).OrderBy(t => t.Slot).ThenBy(t => t.Attempt).ToList();
    }

    /// <summary>The address leases held (tasks and virtual IPs), optionally of one kind.</summary>
    public async Task<IReadOnlyList<Swarm.EventStore.Allocation.AddressLease>> LeasesAsync(string? kind = null)
    {
        await using var query = Store.QuerySession();
        var all = await query.Query<Swarm.EventStore.Allocation.AddressLease>().ToListAsync();
        return all.Where(l => kind is null || l.Kind == kind).ToList();
    }

    public async Task<long> EventCountAsync()
    {
        await using var query = Store.QuerySession();
        // Marten fills the sequence number of a failed append with a "tombstone" entry: not a state change
        return await query.Events.QueryAllRawEvents().Where(e => e.EventTypeName != "tombstone").CountAsync();
    }

    /// <summary>Registers a ready node the way the dispatcher does.</summary>
    public async Task<Guid> AddNodeAsync(string hostname)
    {
        var id = Guid.NewGuid();
        await using var session = Store.LightweightSession();
        session.Events.StartStream<Node>(id,
            new NodeRegistered { NodeId = id, Description = new NodeDescription { Hostname = hostname, Os = "linux", Architecture = "x86_64", Executor = "test" }, At = DateTimeOffset.UtcNow },
            new NodeStatusChanged { NodeId = id, Status = NodeStatus.Ready, Message = "registered", At = DateTimeOffset.UtcNow });
        await session.SaveChangesAsync();
        return id;
    }

    public async Task SetNodeStatusAsync(Guid nodeId, NodeStatus status)
    {
        await using var session = Store.LightweightSession();
        var stream = await session.Events.FetchForWriting<Node>(nodeId);
        if (NodeDecisions.ChangeStatus(stream.Aggregate, nodeId, status, "test", DateTimeOffset.UtcNow) is { } e)
        {
            stream.AppendOne(e);
            await session.SaveChangesAsync();
        }
    }

    /// <summary>Reports states for tasks the way an agent does through the dispatcher.</summary>
    public async Task ReportAsync(IEnumerable<SwarmTask> tasks, TaskState state, int? exitCode = null)
    {
        await using var session = Store.LightweightSession();
        foreach (var task in tasks)
        {
            var stream = await session.Events.FetchForWriting<SwarmTask>(task.Id);
            var current = stream.Aggregate!;
            var e = TaskDecisions.Report(current, current.NodeId!.Value, state, $"reported {state}", exitCode is > 0 ? $"task: non-zero exit ({exitCode})" : null, exitCode, DateTimeOffset.UtcNow);
            if (e is not null)
            {
                stream.AppendOne(e);
            }
        }

        await session.SaveChangesAsync();
    }

    /// <summary>
    /// A simulated agent: every assigned task that should run is reported running (or failed, when
    /// <paramref name="fails"/> says so); every task told to stop is reported shut down. Tasks on
    /// <paramref name="deadNode"/> get no report (its agent is gone).
    /// </summary>
    public async Task RunAssignedAsync(Func<SwarmTask, bool>? fails = null, Guid? deadNode = null)
    {
        var tasks = (await TasksAsync()).Where(t => deadNode is null || t.NodeId != deadNode).ToList();
        var starting = tasks.Where(t => t.State is >= TaskState.Assigned and < TaskState.Running && t.DesiredState == DesiredState.Running).ToList();
        await ReportAsync(starting.Where(t => fails?.Invoke(t) != true), TaskState.Running);
        await ReportAsync(starting.Where(t => fails?.Invoke(t) == true), TaskState.Failed, exitCode: 1);
        await ReportAsync(tasks.Where(t => t.State is >= TaskState.Assigned && !t.IsTerminal && t.DesiredState >= DesiredState.Shutdown), TaskState.Shutdown);
    }

    /// <summary>Waits until the log stops growing (nothing left to react to).</summary>
    public async Task SettleAsync(TimeSpan quiet, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = await EventCountAsync();
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            var now = await EventCountAsync();
            if (now != last)
            {
                last = now;
                since = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - since >= quiet)
            {
                return;
            }
        }

        throw new TimeoutException($"the log kept growing for {timeout.TotalSeconds:0}s");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _hosts.Keys.ToList())
        {
            await StopAsync(name);
        }

        await _client.StopAsync();
        _client.Dispose();
    }
}
