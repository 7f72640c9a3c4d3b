using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Swarm.Scheduler.Benchmarks;

/// <summary>Turns a run's time and allocations into per-placement figures.</summary>
public sealed class PerPlacementColumn(PerPlacementColumn.Kind kind) : IColumn
{
    public enum Kind
    {
        PlacementsPerSecond,
        BytesPerPlacement,
    }

    public string Id => $"{nameof(PerPlacementColumn)}.{kind}";
    public string ColumnName => kind == Kind.PlacementsPerSecond ? "Placements/s" : "Bytes/placement";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => (int)kind;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => kind == Kind.PlacementsPerSecond ? "Tasks placed per second" : "Bytes allocated per task placed (node set included)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats || benchmarkCase.Parameters["Case"] is not Shape shape)
        {
            return "-";
        }

        return kind switch
        {
            Kind.PlacementsPerSecond => (shape.Tasks / (stats.Mean / 1e9)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            _ => report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) is { } bytes
                ? ((double)bytes / shape.Tasks).ToString("N1", System.Globalization.CultureInfo.InvariantCulture)
                : "-",
        };
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
