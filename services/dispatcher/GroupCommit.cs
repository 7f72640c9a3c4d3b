using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Dispatcher.Leadership;

namespace Swarm.Dispatcher;

/// <summary>
/// Group commit: callers queue items here and one writer takes everything queued (up to a limit)
/// into one call of <c>write</c> — one transaction. An idle cluster writes each item at once;
/// under load the items that arrive while a transaction is in flight share the next one, so the
/// log sees a few large writes instead of one small write per agent call. Each caller gets its own
/// item's result, or the exception of the transaction its item was in.
/// </summary>
public sealed class GroupCommit<TItem, TResult> : IAsyncDisposable
{
    private readonly System.Threading.Channels.Channel<Pending> _queue =
        System.Threading.Channels.Channel.CreateUnbounded<Pending>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });

    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> _write;
    private readonly Func<TItem, int> _weight;
    private readonly int _maxWeight;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    /// <param name="write">Writes a batch in one transaction; returns one result per item, in order.</param>
    /// <param name="weight">An item's share of <paramref name="maxWeight"/> (reports in it, say); an item is never split.</param>
    /// <param name="maxWeight">The most a batch holds (a single heavier item still goes alone).</param>
    public GroupCommit(Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> write, Func<TItem, int> weight, int maxWeight, ILogger? logger = null)
    {
        _write = write;
        _weight = weight;
        _maxWeight = maxWeight;
        _logger = logger ?? NullLogger.Instance;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Queues one item; completes when the transaction holding it has committed (or failed).</summary>
    public Task<TResult> WriteAsync(TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new OperationCanceledException("the dispatcher is stopping");
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task LoopAsync()
    {
        var batch = new List<Pending>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stopping.Token))
            {
                batch.Clear();
                var weight = 0;
                while (weight < _maxWeight && _queue.Reader.TryPeek(out var next) && (batch.Count == 0 || weight + _weight(next.Item) <= _maxWeight))
                {
                    _queue.Reader.TryRead(out var pending);
                    batch.Add(pending!);
                    weight += _weight(pending!.Item);
                }

                await WriteAsync(batch);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            while (_queue.Reader.TryRead(out var pending))
            {
                pending.Done.TrySetCanceled();
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        try
        {
            var results = await _write(batch.Select(p => p.Item).ToList(), _stopping.Token);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }
        catch (Exception ex)
        {
            // every caller hears of it (a deposed leader, a lost database): agents send their calls again
            if (ex is not NotLeaderException and not OperationCanceledException)
            {
                _logger.LogWarning(ex, "a group commit of {Count} agent calls failed", batch.Count);
            }

            foreach (var pending in batch)
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private sealed record Pending(TItem Item, TaskCompletionSource<TResult> Done);
}
