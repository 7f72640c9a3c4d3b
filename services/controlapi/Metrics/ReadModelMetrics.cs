using System.Diagnostics.Metrics;
using Marten;
using Swarm.Contracts.Model;
using Swarm.EventStore.Queries;

namespace Swarm.ControlApi.Metrics;

/// <summary>
/// The read-model gauges, computed in one place: every <see cref="RefreshInterval"/> the counts are
/// read with grouped queries (<see cref="ReadModelCounts"/>) and the observable gauges report the
/// cached counts — <c>swarm.tasks</c> by state and service, <c>swarm.tasks.pending</c> by the reason
/// the scheduler last recorded, <c>swarm.nodes</c> by status (every status, zero included).
/// </summary>
public sealed class ReadModelMetrics : BackgroundService
{
    public const string MeterName = "Swarm.ControlApi";
    public const string TasksName = "swarm.tasks";
    public const string PendingName = "swarm.tasks.pending";
    public const string NodesName = "swarm.nodes";
    public const string StateTag = Swarm.ServiceDefaults.Tracing.TaskTracing.TaskState;
    public const string ServiceTag = Swarm.ServiceDefaults.Tracing.TaskTracing.ServiceName;
    public const string ReasonTag = "swarm.pending.reason";
    public const string NodeStatusTag = "swarm.node.status";

    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private static readonly string[] NodeStatuses = [.. Enum.GetNames<NodeStatus>().Select(n => n.ToLowerInvariant())];

    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<ReadModelMetrics> _logger;
    private volatile ReadModelCounts _counts = ReadModelCounts.Empty;

    public ReadModelMetrics(IDocumentStore store, IMeterFactory meters, TimeProvider time, ILogger<ReadModelMetrics> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge(TasksName, ObserveTasks, "{task}", "Tasks in the read model by state and service");
        meter.CreateObservableGauge(PendingName, ObservePending, "{task}", "Tasks not yet assigned, by the reason they wait");
        meter.CreateObservableGauge(NodesName, ObserveNodes, "{node}", "Nodes by status");
    }

    /// <summary>The counts the gauges report now.</summary>
    public ReadModelCounts Counts => _counts;

    /// <summary>Reads the counts again.</summary>
    public async Task RefreshAsync(CancellationToken ct) => _counts = await _store.CountReadModelsAsync(ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, _time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                _logger.LogWarning("counting the read models for metrics failed: {Message}", ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private IEnumerable<Measurement<long>> ObserveTasks() =>
        _counts.Tasks.Select(c => new Measurement<long>(c.Count, new(StateTag, c.State), new(ServiceTag, c.Service)));

    private IEnumerable<Measurement<long>> ObservePending() =>
        _counts.Pending.Select(c => new Measurement<long>(c.Count, new KeyValuePair<string, object?>(ReasonTag, c.Reason)));

    private IEnumerable<Measurement<long>> ObserveNodes()
    {
        var counts = _counts.Nodes.ToDictionary(c => c.Status, c => c.Count, StringComparer.Ordinal);
        return NodeStatuses.Select(s => new Measurement<long>(counts.GetValueOrDefault(s), new KeyValuePair<string, object?>(NodeStatusTag, s)));
    }
}
