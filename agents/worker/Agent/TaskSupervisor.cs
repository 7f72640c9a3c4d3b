using Microsoft.Extensions.Logging;
using Swarm.Contracts.Model;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Agent;

/// <summary>
/// Reconciles the tasks this node runs with what the dispatcher assigns (SwarmKit's agent worker).
/// A COMPLETE set is the whole truth: tasks in it that are not yet known here are run (once), tasks
/// running here that are missing from it are stopped. INCREMENTAL sets only add and update. A task
/// is never started twice by one agent process. The secret and config values the assignments carry are kept in the
/// executor's store (<see cref="IExecutor.Secrets"/>) the same way: a complete set replaces them, an incremental one adds
/// and removes.
/// </summary>
public sealed class TaskSupervisor : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly IExecutor _executor;
    private readonly IStatusSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, (TaskRunner Runner, Task Run)> _running = new(StringComparer.Ordinal);
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private bool _cleanedUp;

    public TaskSupervisor(IExecutor executor, IStatusSink sink, TimeProvider time, ILogger logger)
    {
        _executor = executor;
        _sink = sink;
        _time = time;
        _logger = logger;
    }

    /// <summary>Tasks with a live runner.</summary>
    public IReadOnlyCollection<string> ActiveTaskIds
    {
        get
        {
            lock (_gate)
            {
                return _running.Keys.ToList();
            }
        }
    }

    /// <summary>
    /// Applies the full set of the node's non-terminal tasks and the secret and config values they need: the values
    /// held are replaced by <paramref name="values"/> (any other is forgotten) before the tasks are applied.
    /// </summary>
    public Task ApplyCompleteAsync(IReadOnlyList<TaskAssignment> tasks, IReadOnlyList<HeldValue> values, CancellationToken cancellationToken)
    {
        _executor.Secrets.Replace(values);
        return ApplyCompleteAsync(tasks, cancellationToken);
    }

    /// <summary>
    /// Applies changed tasks with the values newly needed (held before the tasks are applied, as the first task
    /// referencing one may come in the same message) and forgets the values no task of the node needs any more.
    /// </summary>
    public void ApplyIncremental(IReadOnlyList<TaskAssignment> tasks, IReadOnlyList<HeldValue> values, IReadOnlyList<string> removedValueIds)
    {
        _executor.Secrets.Update(values, removedValueIds);
        Apply(tasks);
    }

    /// <summary>Applies the full set of the node's non-terminal tasks.</summary>
    public async Task ApplyCompleteAsync(IReadOnlyList<TaskAssignment> tasks, CancellationToken cancellationToken)
    {
        var ids = tasks.Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
        if (!_cleanedUp)
        {
            await _executor.CleanupAsync(ids, cancellationToken);
            _cleanedUp = true;
        }

        List<TaskRunner> orphans;
        lock (_gate)
        {
            orphans = _running.Where(kv => !ids.Contains(kv.Key)).Select(kv => kv.Value.Runner).ToList();

            // finished tasks the dispatcher no longer lists will not come back
            _finished.IntersectWith(ids);
        }

        foreach (var runner in orphans)
        {
            _logger.LogInformation("task {TaskId} is no longer assigned to this node: stopping it", runner.TaskId);
            runner.Stop();
        }

        Apply(tasks);
    }

    /// <summary>Applies changed tasks.</summary>
    public void ApplyIncremental(IReadOnlyList<TaskAssignment> tasks) => Apply(tasks);

    /// <summary>Waits until every runner has ended (for tests and orderly shutdown).</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            return Task.WhenAll(_running.Values.Select(v => v.Run));
        }
    }

    /// <summary>Stops every task this node runs (the node left the cluster) and waits, at most <paramref name="timeout"/>, until they ended.</summary>
    public async Task StopAllAsync(TimeSpan timeout)
    {
        List<TaskRunner> runners;
        lock (_gate)
        {
            runners = [.. _running.Values.Select(v => v.Runner)];
        }

        foreach (var runner in runners)
        {
            runner.Stop();
        }

        try
        {
            await WhenIdleAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("{Count} task(s) did not stop within {Timeout} s", runners.Count, (int)timeout.TotalSeconds);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        try
        {
            await WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("task runners did not end within 5 s");
        }

        _shutdown.Dispose();
    }

    private void Apply(IReadOnlyList<TaskAssignment> tasks)
    {
        foreach (var task in tasks)
        {
            TaskRunner? started = null;
            lock (_gate)
            {
                if (_running.TryGetValue(task.TaskId, out var live))
                {
                    live.Runner.UpdateDesired(task.DesiredState);
                    continue;
                }

                if (_finished.Contains(task.TaskId) || task.State >= TaskState.Complete)
                {
                    continue;
                }

                started = new TaskRunner(task, _executor.Controller(task), _sink, _time, _logger);
                var run = RunAsync(started);
                _running[task.TaskId] = (started, run);
            }
        }
    }

    private async Task RunAsync(TaskRunner runner)
    {
        await Task.Yield();
        try
        {
            await runner.RunAsync(_shutdown.Token);
        }
        finally
        {
            lock (_gate)
            {
                _running.Remove(runner.TaskId);
                _finished.Add(runner.TaskId);
            }
        }
    }
}
