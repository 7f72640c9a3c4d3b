using System.Collections.Concurrent;

namespace Swarm.Orchestrator.Reconciliation;

/// <summary>
/// One run per key at a time, and requests that coalesce: a request that arrives while another run
/// waits its turn joins that run, which starts (and reads whatever it reads) only after the joining
/// request was made. So a thousand requests for one key at once make a handful of runs, not a thousand.
/// </summary>
public sealed class ReconcileQueue
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new();
    private readonly ConcurrentDictionary<Guid, Lazy<Task>> _queued = new();

    /// <summary>Runs <paramref name="run"/> for <paramref name="key"/>, or joins the run already waiting for its turn.</summary>
    public Task RunAsync(Guid key, Func<Guid, CancellationToken, Task> run, CancellationToken cancellationToken) =>
        _queued.GetOrAdd(key, id => new Lazy<Task>(() => RunQueuedAsync(id, run, cancellationToken))).Value;

    private async Task RunQueuedAsync(Guid key, Func<Guid, CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        try
        {
            await gate.WaitAsync(cancellationToken);
        }
        finally
        {
            // from here on this run reads the log: later requests queue the next run
            _queued.TryRemove(key, out _);
        }

        try
        {
            await run(key, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }
}
