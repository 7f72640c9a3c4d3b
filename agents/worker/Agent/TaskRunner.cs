using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Swarm.Contracts.Model;
using Swarm.ServiceDefaults.Tracing;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Agent;

/// <summary>
/// Drives one task through its lifecycle on this node (SwarmKit's task manager): accepted →
/// preparing → ready, waits while the desired state is <c>ready</c>, then starting → running, and
/// reports how it ends. A desired state past <c>running</c> (or <see cref="Stop"/>) stops it.
/// Desired state only moves forward here, whatever order assignments arrive in.
/// </summary>
public sealed class TaskRunner
{
    /// <summary>The agent's steps in a task's trace: one span per state, from the previous state to this one.</summary>
    public static readonly ActivitySource Source = new("Swarm.Worker");

    private readonly object _gate = new();
    private readonly TaskAssignment _task;
    private readonly ITaskController _controller;
    private readonly IStatusSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _mayStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _mustStop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DesiredState _desired;
    private TaskState _reported;
    private DateTimeOffset _reportedAt;

    public TaskRunner(TaskAssignment task, ITaskController controller, IStatusSink sink, TimeProvider time, ILogger logger)
    {
        _task = task;
        _controller = controller;
        _sink = sink;
        _time = time;
        _logger = logger;
        _reported = task.State;
        _reportedAt = time.GetUtcNow();
        UpdateDesired(task.DesiredState);
    }

    public string TaskId => _task.TaskId;

    public DesiredState Desired
    {
        get
        {
            lock (_gate)
            {
                return _desired;
            }
        }
    }

    /// <summary>The managers' latest desired state; an older one arriving late is ignored.</summary>
    public void UpdateDesired(DesiredState desired)
    {
        lock (_gate)
        {
            if (desired <= _desired)
            {
                return;
            }

            _desired = desired;
        }

        // desired "completed" (a job task) runs to completion like "running"; shutdown and remove stop it.
        // The stop is signalled first, so a runner woken by the start signal already sees it.
        if (desired >= DesiredState.Shutdown)
        {
            _mustStop.TrySetResult();
        }

        if (desired >= DesiredState.Running)
        {
            _mayStart.TrySetResult();
        }
    }

    /// <summary>The task is no longer assigned to this node: stop it.</summary>
    public void Stop()
    {
        _mustStop.TrySetResult();
        _mayStart.TrySetResult();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using (_controller)
            {
                await LifecycleAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the agent is shutting down; the task is left as it is
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "task {TaskId} failed in the agent", _task.TaskId);
            Report(TaskState.Failed, "agent error", $"task: {ex.Message}", null);
        }
    }

    private async Task LifecycleAsync(CancellationToken ct)
    {
        switch (await _controller.RecoverAsync(ct))
        {
            case TaskRecovery.Running:
                Report(TaskState.Running, "started", null, null);
                await RunningAsync(ct);
                return;
            case TaskRecovery.Starting:
                Report(TaskState.Starting, "starting", null, null);
                await StartedAsync(ct);
                return;
            case TaskRecovery.Exited:
                await RunningAsync(ct);
                return;
            case TaskRecovery.Lost:
                if (_mustStop.Task.IsCompleted)
                {
                    Report(TaskState.Shutdown, "shutdown", null, null);
                }
                else
                {
                    Report(TaskState.Failed, "exited while the agent was down", "task: exit status unknown (the process ended while the agent was not running)", null);
                }

                return;
        }

        if (_mustStop.Task.IsCompleted)
        {
            Report(TaskState.Shutdown, "shutdown before start", null, null);
            return;
        }

        Report(TaskState.Accepted, "accepted", null, null);
        Report(TaskState.Preparing, "preparing", null, null);
        try
        {
            await _controller.PrepareAsync(ct);
        }
        catch (TaskRejectedException ex)
        {
            Report(TaskState.Rejected, "rejected", ex.Message, null);
            return;
        }

        Report(TaskState.Ready, "prepared", null, null);

        await _mayStart.Task.WaitAsync(ct);
        if (_mustStop.Task.IsCompleted)
        {
            Report(TaskState.Shutdown, "shutdown before start", null, null);
            return;
        }

        Report(TaskState.Starting, "starting", null, null);
        await StartedAsync(ct);
    }

    /// <summary>Starts the task (or waits until an adopted one is ready), then runs it to its end.</summary>
    private async Task StartedAsync(CancellationToken ct)
    {
        try
        {
            await _controller.StartAsync(ct);
        }
        catch (TaskRejectedException ex)
        {
            Report(TaskState.Rejected, "rejected", ex.Message, null);
            return;
        }
        catch (TaskFailedException ex)
        {
            Report(TaskState.Failed, "failed", ex.Message, null);
            return;
        }

        Report(TaskState.Running, "started", null, null);
        await RunningAsync(ct);
    }

    private async Task RunningAsync(CancellationToken ct)
    {
        var exited = _controller.WaitAsync(ct);
        var first = await Task.WhenAny(exited, _mustStop.Task.WaitAsync(ct));
        if (first != exited)
        {
            await first;
            await _controller.StopAsync(_task.Spec.StopGracePeriod, ct);
            Report(TaskState.Shutdown, "shutdown", null, null);
            return;
        }

        var exit = await exited;
        if (exit.Error is { } error && !_mustStop.Task.IsCompleted)
        {
            Report(TaskState.Failed, "failed", error, exit.ExitCode);
        }
        else if (exit.ExitCode == 0)
        {
            Report(TaskState.Complete, "finished", null, 0);
        }
        else if (_mustStop.Task.IsCompleted)
        {
            Report(TaskState.Shutdown, "shutdown", null, exit.ExitCode);
        }
        else if (exit.ExitCode is { } code)
        {
            Report(TaskState.Failed, "finished", $"task: non-zero exit ({code})", code);
        }
        else
        {
            Report(TaskState.Failed, "finished", "task: exit status unknown (process adopted after an agent restart)", null);
        }
    }

    private void Report(TaskState state, string message, string? error, int? exitCode)
    {
        var now = _time.GetUtcNow();
        DateTimeOffset since;
        lock (_gate)
        {
            if (state <= _reported)
            {
                return;
            }

            _reported = state;
            since = _reportedAt;
            _reportedAt = now;
        }

        // one line per state the task reaches: the worker's log (and a log viewer filtered on TaskId) follows each task
        _logger.LogInformation("task {TaskId} ({Task}): {State}", _task.TaskId, $"{_task.ServiceName}.{_task.Slot}", state);
        _sink.Report(new StatusUpdate(_task.TaskId, state, message, error, exitCode, now));
        Trace(state, message, error, exitCode, since, now);
    }

    private void Trace(TaskState state, string message, string? error, int? exitCode, DateTimeOffset since, DateTimeOffset now)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        var tags = TaskTracing.Tags(
            Guid.TryParse(_task.TaskId, out var taskId) ? taskId : Guid.Empty,
            Guid.TryParse(_task.ServiceId, out var serviceId) ? serviceId : Guid.Empty,
            _task.ServiceName,
            _task.Slot,
            Guid.TryParse(_task.NodeId, out var nodeId) ? nodeId : null);
        tags.Add(new(TaskTracing.TaskState, state.ToString().ToLowerInvariant()));
        tags.Add(new("swarm.task.message", message));
        if (error is not null)
        {
            tags.Add(new("error.type", "task"));
            tags.Add(new("swarm.task.error", error));
        }

        if (exitCode is { } code)
        {
            tags.Add(new("process.exit.code", code));
        }

        TaskTracing.Record(Source, $"task {state.ToString().ToLowerInvariant()}", _task.TraceParent, since, now, tags);
    }
}
