using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Scheduling;

namespace Swarm.Scheduler.Benchmarks;

/// <summary>
/// The scheduling core alone, in process: builds the node set from the nodes and places one service's
/// tasks on it, on SwarmKit's benchmark shapes. One operation is one placement.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class PlacementBenchmark
{
    private Node[] _nodes = [];
    private Guid[] _tasks = [];
    private ServiceSpec _spec = new();

    public static IEnumerable<Shape> Shapes() =>
    [
        new(1_000, 1_000, false),
        new(1_000, 10_000, false),
        new(1_000, 100_000, false),
        new(100_000, 100_000, false),
        new(5_000, 100_000, true),
    ];

    [ParamsSource(nameof(Shapes))]
    public Shape Case { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _nodes = [.. Enumerable.Range(0, Case.Nodes).Select(i => new Node
        {
            Id = Guid.NewGuid(),
            Status = NodeStatus.Ready,
            Availability = NodeAvailability.Active,
            Labels = new Dictionary<string, string> { ["zone"] = $"z{i % 3}", ["type"] = i % 2 == 0 ? "compute" : "storage" },
            Description = new NodeDescription
            {
                Hostname = $"node-{i:D6}",
                Os = "linux",
                Architecture = random.Next(4) == 0 ? "aarch64" : "x86_64",
                NanoCpus = 64_000_000_000,
                MemoryBytes = 256L << 30,
            },
        })];
        _tasks = [.. Enumerable.Range(0, Case.Tasks).Select(_ => Guid.NewGuid())];
        _spec = new ServiceSpec
        {
            Name = "bench",
            Command = ["run"],
            Placement = Case.Constraints
                ? new PlacementSpec { Constraints = ["node.labels.type==compute", "node.platform.os==linux", "node.role!=manager"] }
                : null,
        };
    }

    [Benchmark]
    public int Place()
    {
        var set = NodeSet.Build(_nodes, [], DateTimeOffset.UtcNow);
        var result = TaskGroupScheduler.Schedule(set, Guid.Empty, _spec, _tasks, DateTimeOffset.UtcNow);
        if (result.Unplaced.Count > 0)
        {
            throw new InvalidOperationException(result.Reason);
        }

        return result.Assignments.Count;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(8));
            WithSummaryStyle(BenchmarkDotNet.Reports.SummaryStyle.Default.WithMaxParameterColumnWidth(40));
            WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
            AddColumn(new PerPlacementColumn(PerPlacementColumn.Kind.PlacementsPerSecond));
            AddColumn(new PerPlacementColumn(PerPlacementColumn.Kind.BytesPerPlacement));
        }
    }
}

/// <summary>A benchmark shape: nodes × tasks, with or without constraints.</summary>
public readonly record struct Shape(int Nodes, int Tasks, bool Constraints)
{
    public override string ToString() => $"{Short(Nodes)} nodes × {Short(Tasks)} tasks{(Constraints ? " +constraints" : "")}";

    private static string Short(int n) => n >= 1000 ? $"{n / 1000}k" : $"{n}";
}
