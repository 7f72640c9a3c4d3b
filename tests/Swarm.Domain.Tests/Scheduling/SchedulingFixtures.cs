using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Scheduling;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Scheduling;

internal static class SchedulingFixtures
{
    public static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static Node Node(
        string host,
        NodeStatus status = NodeStatus.Ready,
        NodeAvailability availability = NodeAvailability.Active,
        double cpus = 4,
        long memory = 8L << 30,
        Dictionary<string, string>? labels = null,
        Dictionary<string, string>? engineLabels = null,
        Dictionary<string, long>? generic = null,
        string os = "linux",
        string arch = "x86_64",
        string role = "worker",
        string address = "10.0.0.1") => new()
        {
            Id = Guid.NewGuid(),
            Status = status,
            Availability = availability,
            Labels = labels ?? [],
            Description = new NodeDescription
            {
                Hostname = host,
                Os = os,
                Architecture = arch,
                Role = role,
                Address = address,
                NanoCpus = (long)(cpus * 1e9),
                MemoryBytes = memory,
                EngineLabels = engineLabels ?? [],
                GenericResources = generic ?? [],
            },
        };

    public static ServiceSpec Spec(
        string[]? constraints = null,
        string[]? spread = null,
        int? maxPerNode = null,
        double cpus = 0,
        long memory = 0,
        Dictionary<string, long>? generic = null,
        PortSpec[]? ports = null,
        PlatformSpec[]? platforms = null) => new()
        {
            Name = "web",
            Command = ["run"],
            Placement = new PlacementSpec
            {
                Constraints = constraints,
                Preferences = spread?.Select(s => new PlacementPreferenceSpec { Spread = s }).ToList(),
                MaxReplicasPerNode = maxPerNode,
                Platforms = platforms,
            },
            Resources = new ResourcesSpec { Reservations = new ResourceAmounts { NanoCpus = (long)(cpus * 1e9), MemoryBytes = memory, Generic = generic } },
            Ports = ports,
        };

    public static SwarmTask Task(Guid serviceId, Guid? nodeId, ServiceSpec spec, TaskState state = TaskState.Running, DesiredState desired = DesiredState.Running, DateTimeOffset? updated = null) => new()
    {
        Id = Guid.NewGuid(),
        ServiceId = serviceId,
        Spec = spec,
        SpecVersion = 1,
        NodeId = nodeId,
        State = state,
        DesiredState = desired,
        UpdatedAt = updated ?? Now,
    };

    public static Guid[] Ids(int n) => [.. Enumerable.Range(0, n).Select(_ => Guid.NewGuid())];

    public static GroupResult Schedule(IEnumerable<Node> nodes, ServiceSpec spec, int tasks, IEnumerable<SwarmTask>? existing = null, Guid? serviceId = null) =>
        TaskGroupScheduler.Schedule(NodeSet.Build(nodes, existing ?? [], Now), serviceId ?? Guid.NewGuid(), spec, Ids(tasks), Now);

    public static Dictionary<Guid, int> PerNode(GroupResult result) =>
        result.Assignments.GroupBy(a => a.NodeId).ToDictionary(g => g.Key, g => g.Count());
}
