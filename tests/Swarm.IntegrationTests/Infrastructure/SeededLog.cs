using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Infrastructure;

/// <summary>A store on an isolated cluster's log with no manager running, and helpers that write task and node streams.</summary>
internal sealed class SeededLog : IAsyncDisposable
{
    private readonly Dictionary<string, Guid> _services = new(StringComparer.Ordinal);

    private SeededLog(IsolatedCluster cluster)
    {
        Cluster = cluster;
        Store = DocumentStore.For(o => SwarmStoreOptions.Configure(o, cluster.PostgresConnection, cluster.Schema, applySchema: false));
    }

    public IsolatedCluster Cluster { get; }

    public DocumentStore Store { get; }

    public static async Task<SeededLog> CreateAsync() => new(await IsolatedCluster.CreateAsync());

    /// <summary>A task of <paramref name="service"/> created at <paramref name="createdAt"/>, moved through <paramref name="events"/>.</summary>
    public async Task<Guid> TaskAsync(string service, DateTimeOffset createdAt, params Func<Guid, object>[] events)
    {
        var id = Guid.NewGuid();
        await using var session = Store.LightweightSession();
        var created = new TaskCreated { TaskId = id, ServiceId = ServiceId(service), ServiceName = service, Slot = 1, Attempt = 1, DesiredState = DesiredState.Running, CreatedAt = createdAt };
        session.Events.StartStream<SwarmTask>(id, [created, .. events.Select(e => e(id))]);
        await session.SaveChangesAsync();
        return id;
    }

    public async Task<Guid> NodeAsync(string hostname, NodeStatus status)
    {
        var id = Guid.NewGuid();
        await using var session = Store.LightweightSession();
        session.Events.StartStream<Node>(id,
            new NodeRegistered { NodeId = id, Description = new NodeDescription { Hostname = hostname, Os = "linux", Architecture = "x86_64", Executor = "test" }, At = DateTimeOffset.UtcNow },
            new NodeStatusChanged { NodeId = id, Status = status, Message = "test", At = DateTimeOffset.UtcNow });
        await session.SaveChangesAsync();
        return id;
    }

    public static Func<Guid, object> Allocated(DateTimeOffset at) => id => new TaskAllocated { TaskId = id, Address = "10.0.0.9", AllocatedAt = at };

    public static Func<Guid, object> Unschedulable(string reason) => id => new TaskUnschedulable { TaskId = id, Reason = reason, At = DateTimeOffset.UtcNow };

    public static Func<Guid, object> Assigned(Guid nodeId, DateTimeOffset at) => id => new TaskAssigned { TaskId = id, NodeId = nodeId, AssignedAt = at };

    public static Func<Guid, object> Reported(Guid nodeId, TaskState state, DateTimeOffset at) =>
        id => new TaskStatusChanged { TaskId = id, NodeId = nodeId, State = state, Message = state.ToString().ToLowerInvariant(), At = at };

    /// <summary>One service id per name, so tasks of one service share it.</summary>
    public Guid ServiceId(string service)
    {
        lock (_services)
        {
            return _services.TryGetValue(service, out var id) ? id : _services[service] = Guid.NewGuid();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Store.Dispose();
        await Cluster.DisposeAsync();
    }
}
