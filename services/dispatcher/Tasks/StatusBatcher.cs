using System.Threading.Channels;

namespace Swarm.Dispatcher.Tasks;

/// <summary>
/// Group commit of agents' status reports: calls queue here and one writer takes everything queued
/// (up to <see cref="MaxReports"/>) into one transaction. An idle cluster writes each report at
/// once; under load the reports that arrive while a transaction is in flight share the next one, so
/// the log sees a few large writes instead of one small write per node.
/// </summary>
public sealed class StatusBatcher : BackgroundService
{
    /// <summary>Reports per transaction, at most (a node's call is never split).</summary>
    public const int MaxReports = 2000;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskStatusWriter _writer;
    private readonly ILogger<StatusBatcher> _logger;

    public StatusBatcher(TaskStatusWriter writer, ILogger<StatusBatcher> logger)
    {
        _writer = writer;
        _logger = logger;
    }

    /// <summary>Queues one node's reports; completes when they are written (or refused).</summary>
    public Task<IReadOnlyList<RefusedReport>> WriteAsync(Guid nodeId, IReadOnlyList<ReportedStatus> reports, CancellationToken cancellationToken)
    {
        var pending = new Pending(new NodeReports(nodeId, reports), new TaskCompletionSource<IReadOnlyList<RefusedReport>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("the dispatcher is stopping");
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                var reports = 0;
                while (reports < MaxReports && _queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                    reports += pending.Reports.Reports.Count;
                }

                await WriteAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var pending))
            {
                pending.Done.TrySetCanceled(stoppingToken);
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch, CancellationToken stoppingToken)
    {
        try
        {
            var refused = await _writer.WriteManyAsync(batch.Select(p => p.Reports).ToList(), stoppingToken);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(refused[i]);
            }
        }
        catch (Exception ex)
        {
            // every caller hears of it (a deposed leader, a lost database): agents send their reports again
            if (ex is not Leadership.NotLeaderException and not OperationCanceledException)
            {
                _logger.LogWarning(ex, "writing {Count} nodes' status reports failed", batch.Count);
            }

            foreach (var pending in batch)
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    private sealed record Pending(NodeReports Reports, TaskCompletionSource<IReadOnlyList<RefusedReport>> Done);
}
