using System.Threading.Channels;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Agent;

/// <summary>
/// Queues task states and sends them in batches: a short delay after the first one (so a quick
/// succession such as accepted → … → running goes as one report), at once when a batch is full.
/// An update leaves the queue only once the dispatcher has acknowledged it; whatever a broken
/// session did not deliver goes out again on the next one, in the original order.
/// </summary>
public sealed class StatusReporter : IStatusSink
{
    public const int MaxBatch = 500;

    private readonly object _gate = new();
    private readonly List<StatusUpdate> _pending = [];
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TimeProvider _time;

    public StatusReporter(TimeProvider time, TimeSpan? flushDelay = null)
    {
        _time = time;
        FlushDelay = flushDelay ?? TimeSpan.FromMilliseconds(50);
    }

    public TimeSpan FlushDelay { get; }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public void Report(StatusUpdate update)
    {
        lock (_gate)
        {
            _pending.Add(update);
        }

        _signal.Writer.TryWrite(true);
    }

    /// <summary>
    /// Sends batches through <paramref name="send"/> until cancelled (<see cref="OperationCanceledException"/>) or a
    /// send fails (its exception propagates; the batch stays queued).
    /// </summary>
    public async Task RunAsync(Func<IReadOnlyList<StatusUpdate>, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (PendingCount == 0)
            {
                await _signal.Reader.ReadAsync(cancellationToken);
                continue;
            }

            if (PendingCount < MaxBatch)
            {
                await Task.Delay(FlushDelay, _time, cancellationToken);
            }

            List<StatusUpdate> batch;
            lock (_gate)
            {
                batch = _pending.Take(MaxBatch).ToList();
            }

            await send(batch, cancellationToken);
            lock (_gate)
            {
                // only this loop removes, and additions go to the end: the batch is still the head
                _pending.RemoveRange(0, batch.Count);
            }
        }
    }
}
