using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;

namespace Swarm.Domain.Scheduling;

/// <summary>
/// A node as the scheduler sees it: what it has free, which host ports are bound, how many live tasks
/// it runs (in total and per service) and which services' tasks failed on it recently. Owned by one
/// <see cref="NodeSet"/> and changed only through it.
/// </summary>
public sealed class NodeInfo
{
    private Dictionary<Guid, int>? _serviceTasks;
    private Dictionary<string, long>? _freeGeneric;
    private HashSet<int>? _usedHostPorts;
    private Dictionary<Guid, List<DateTimeOffset>>? _failures;

    internal NodeInfo(Node node, int order)
    {
        Node = node;
        Order = order;
        FreeNanoCpus = node.Description.NanoCpus;
        FreeMemoryBytes = node.Description.MemoryBytes;
        if (node.Description.GenericResources.Count > 0)
        {
            _freeGeneric = new Dictionary<string, long>(node.Description.GenericResources, StringComparer.Ordinal);
        }
    }

    public Node Node { get; }
    public Guid Id => Node.Id;
    public string Hostname => Node.Hostname;

    /// <summary>Position in the set's stable order (hostname, then id): the last tie-breaker.</summary>
    public int Order { get; }

    public long FreeNanoCpus { get; private set; }
    public long FreeMemoryBytes { get; private set; }
    public int TotalTasks { get; private set; }

    public bool IsReady => Node.Status == NodeStatus.Ready;
    public bool IsActive => Node.Availability == NodeAvailability.Active;

    public int ServiceTasks(Guid serviceId) => _serviceTasks is not null && _serviceTasks.TryGetValue(serviceId, out var n) ? n : 0;

    public long FreeGeneric(string name) => _freeGeneric is not null && _freeGeneric.TryGetValue(name, out var n) ? n : 0;

    public bool HostPortInUse(int key) => _usedHostPorts is not null && _usedHostPorts.Contains(key);

    /// <summary>Failures of the service's tasks on this node at or after <paramref name="since"/>.</summary>
    public int FailuresSince(Guid serviceId, DateTimeOffset since)
    {
        if (_failures is null || !_failures.TryGetValue(serviceId, out var list))
        {
            return 0;
        }

        var count = 0;
        foreach (var at in list)
        {
            if (at >= since)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>A live task: takes its reservations and ports; counted when <paramref name="counted"/>.</summary>
    internal void Add(Guid serviceId, TaskDemand demand, bool counted)
    {
        FreeNanoCpus -= demand.NanoCpus;
        FreeMemoryBytes -= demand.MemoryBytes;
        for (var i = 0; i < demand.GenericNames.Length; i++)
        {
            _freeGeneric ??= new(StringComparer.Ordinal);
            _freeGeneric[demand.GenericNames[i]] = FreeGeneric(demand.GenericNames[i]) - demand.GenericCounts[i];
        }

        foreach (var port in demand.HostPorts)
        {
            (_usedHostPorts ??= []).Add(port);
        }

        if (counted)
        {
            TotalTasks++;
            _serviceTasks ??= [];
            _serviceTasks[serviceId] = ServiceTasks(serviceId) + 1;
        }
    }

    internal void AddFailure(Guid serviceId, DateTimeOffset at)
    {
        _failures ??= [];
        if (!_failures.TryGetValue(serviceId, out var list))
        {
            _failures[serviceId] = list = [];
        }

        list.Add(at);
    }
}
