using Swarm.Contracts.Model;

namespace Swarm.Domain.Scheduling;

/// <summary>
/// The filters a node must pass to take a task of one spec, in order: ready (READY and ACTIVE),
/// resources (CPU, memory, generic resources), constraints, platform, host-mode ports, max replicas per
/// node. Each refusal has a reason; <see cref="Explain"/> counts them over all nodes.
/// </summary>
public sealed class Pipeline
{
    // Reason codes, ordered as the filters run; 0 means the node passes.
    private const int Ok = 0;
    private const int NotAvailable = 1;
    private const int NotReady = 2;
    private const int NoCpu = 3;
    private const int NoMemory = 4;
    private const int NoGeneric = 100;
    private const int BadConstraint = 900;
    private const int ConstraintFailed = 1000;
    private const int Platform = 50_000;
    private const int PortInUse = 60_000;
    private const int MaxReplicas = 200_000;

    private readonly Constraint[] _constraints;
    private readonly string? _constraintError;
    private readonly IReadOnlyList<PlatformSpec>? _platforms;

    private Pipeline(Guid serviceId, ServiceSpec spec)
    {
        ServiceId = serviceId;
        Demand = TaskDemand.Of(spec);
        var (constraints, error) = Constraint.ParseAll(spec.Placement?.Constraints);
        _constraints = [.. constraints];
        _constraintError = error?.Reason;
        _platforms = spec.Placement?.Platforms is { Count: > 0 } p ? p : null;
        MaxReplicasPerNode = spec.Placement?.MaxReplicasPerNode is > 0 and var max ? max : 0;
        Preferences = [.. (spec.Placement?.Preferences ?? []).Select(x => SpreadPreference.Parse(x?.Spread)).OfType<SpreadPreference>()];
    }

    public Guid ServiceId { get; }
    public TaskDemand Demand { get; }
    public int MaxReplicasPerNode { get; }
    public IReadOnlyList<SpreadPreference> Preferences { get; }

    public static Pipeline For(Guid serviceId, ServiceSpec spec) => new(serviceId, spec);

    /// <summary>Whether the node can take one more task of this spec now.</summary>
    public bool Passes(NodeInfo node) => Check(node) == Ok;

    /// <summary>
    /// Only the filters a placement changes (resources, ports, max replicas): enough for a node that
    /// passed <see cref="Passes"/> in this round.
    /// </summary>
    public bool StillPasses(NodeInfo node) => CheckResources(node) == Ok && CheckPortsAndReplicas(node) == Ok;

    private int Check(NodeInfo node)
    {
        if (!node.IsReady)
        {
            return NotReady;
        }

        if (!node.IsActive)
        {
            return NotAvailable;
        }

        var resources = CheckResources(node);
        if (resources != Ok)
        {
            return resources;
        }

        if (_constraintError is not null)
        {
            return BadConstraint;
        }

        for (var i = 0; i < _constraints.Length; i++)
        {
            if (!_constraints[i].Matches(node.Node))
            {
                return ConstraintFailed + i;
            }
        }

        if (_platforms is not null && !Platforms.Supports(_platforms, node.Node.Description))
        {
            return Platform;
        }

        return CheckPortsAndReplicas(node);
    }

    private int CheckResources(NodeInfo node)
    {
        var demand = Demand;
        if (demand.NanoCpus > 0 && node.FreeNanoCpus < demand.NanoCpus)
        {
            return NoCpu;
        }

        if (demand.MemoryBytes > 0 && node.FreeMemoryBytes < demand.MemoryBytes)
        {
            return NoMemory;
        }

        for (var i = 0; i < demand.GenericNames.Length; i++)
        {
            if (node.FreeGeneric(demand.GenericNames[i]) < demand.GenericCounts[i])
            {
                return NoGeneric + i;
            }
        }

        return Ok;
    }

    private int CheckPortsAndReplicas(NodeInfo node)
    {
        var ports = Demand.HostPorts;
        for (var i = 0; i < ports.Length; i++)
        {
            if (node.HostPortInUse(ports[i]))
            {
                return PortInUse + i;
            }
        }

        if (MaxReplicasPerNode > 0 && node.ServiceTasks(ServiceId) >= MaxReplicasPerNode)
        {
            return MaxReplicas;
        }

        return Ok;
    }

    /// <summary>Why no node takes the task, e.g. <c>no suitable node (insufficient memory on 3 nodes; 2 nodes not ready)</c>.</summary>
    public string Explain(IReadOnlyCollection<NodeInfo> nodes)
    {
        if (nodes.Count == 0)
        {
            return "no suitable node (no nodes registered)";
        }

        var counts = new SortedDictionary<int, int>();
        foreach (var node in nodes)
        {
            var code = Check(node);
            if (code != Ok)
            {
                counts[code] = counts.GetValueOrDefault(code) + 1;
            }
        }

        if (counts.Count == 0)
        {
            return "no suitable node";
        }

        return $"no suitable node ({string.Join("; ", counts.Select(c => Describe(c.Key, c.Value)))})";
    }

    /// <summary>Why this node is refused, or null when it passes.</summary>
    public string? Refusal(NodeInfo node)
    {
        var code = Check(node);
        return code == Ok ? null : Describe(code, null);
    }

    private string Describe(int code, int? count)
    {
        var on = count is { } n ? $" on {Nodes(n)}" : "";
        return code switch
        {
            NotAvailable => count is { } a ? $"{Nodes(a)} not available for new tasks" : "node not available for new tasks",
            NotReady => count is { } r ? $"{Nodes(r)} not ready" : "node not ready",
            NoCpu => $"insufficient CPU{on}",
            NoMemory => $"insufficient memory{on}",
            BadConstraint => $"{_constraintError}{on}",
            MaxReplicas => $"max replicas per node ({MaxReplicasPerNode}) reached{on}",
            Platform => $"{Platforms.UnsupportedReason}{on}",
            >= PortInUse => $"host-mode port {HostPorts.Describe(Demand.HostPorts[code - PortInUse])} already in use{on}",
            >= ConstraintFailed => $"{Constraint.ConstraintReason(_constraints[code - ConstraintFailed])}{on}",
            >= NoGeneric => $"insufficient {Demand.GenericNames[code - NoGeneric]}{on}",
            _ => $"refused{on}",
        };
    }

    private static string Nodes(int n) => n == 1 ? "1 node" : $"{n} nodes";
}
