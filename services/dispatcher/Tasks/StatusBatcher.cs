namespace Swarm.Dispatcher.Tasks;

/// <summary>Agents' status reports, group-committed (at most 2,000 reports per transaction).</summary>
public sealed class StatusBatcher(TaskStatusWriter writer, ILogger<StatusBatcher> logger) : IAsyncDisposable
{
    public const int MaxReports = 2000;

    private readonly GroupCommit<NodeReports, IReadOnlyList<RefusedReport>> _commit =
        new(writer.WriteManyAsync, r => r.Reports.Count, MaxReports, logger);

    /// <summary>Writes one node's reports with whatever else is queued; returns the ones refused.</summary>
    public Task<IReadOnlyList<RefusedReport>> WriteAsync(Guid nodeId, IReadOnlyList<ReportedStatus> reports, CancellationToken cancellationToken) =>
        _commit.WriteAsync(new NodeReports(nodeId, reports), cancellationToken);

    public ValueTask DisposeAsync() => _commit.DisposeAsync();
}
