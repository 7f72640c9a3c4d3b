using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Exec;

/// <summary>Settings of the simulated executor.</summary>
public sealed record SimOptions
{
    /// <summary>Fraction of tasks (0..1) that fail with exit code 1.</summary>
    public double FailRate { get; init; }

    /// <summary>When set, tasks exit after running this long; otherwise they run until stopped (failing ones exit at once).</summary>
    public TimeSpan? RunTime { get; init; }
}

/// <summary>
/// Runs nothing: tasks pass through every state and then stay running until stopped, or end after
/// <see cref="SimOptions.RunTime"/>. Lets one process stand in for many nodes. It holds the secret and config values
/// its assignments carry, as every agent does, and rejects a task referencing one it does not hold, but writes no file.
/// </summary>
public sealed class SimExecutor : IExecutor
{
    private readonly SimOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;

    public SimExecutor(SimOptions options, TimeProvider time, Random? random = null)
    {
        _options = options;
        _time = time;
        _random = random ?? Random.Shared;
    }

    public string Name => "sim";

    public SecretStore Secrets { get; } = new();

    public ITaskController Controller(TaskAssignment task)
    {
        bool fails;
        lock (_random)
        {
            fails = _options.FailRate > 0 && _random.NextDouble() < _options.FailRate;
        }

        return new SimController(this, task.Spec, fails, _options.RunTime, _time);
    }

    public Task CleanupAsync(IReadOnlySet<string> assignedTaskIds, CancellationToken cancellationToken) => Task.CompletedTask;

    private sealed class SimController(SimExecutor owner, TaskRunSpec spec, bool fails, TimeSpan? runTime, TimeProvider time) : ITaskController
    {
        private readonly TaskCompletionSource<TaskExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _run = new();

        public Task<TaskRecovery> RecoverAsync(CancellationToken cancellationToken) => Task.FromResult(TaskRecovery.None);

        public Task PrepareAsync(CancellationToken cancellationToken)
        {
            TaskFilesRoot.CheckAvailable(spec, owner.Secrets);
            return Task.CompletedTask;
        }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (runTime is { } duration)
            {
                _ = ExitAfterAsync(duration);
            }
            else if (fails)
            {
                _exit.TrySetResult(new TaskExit(1));
            }

            return Task.CompletedTask;
        }

        public Task<TaskExit> WaitAsync(CancellationToken cancellationToken) => _exit.Task.WaitAsync(cancellationToken);

        public async Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
        {
            await _run.CancelAsync();
            _exit.TrySetResult(new TaskExit(143));
        }

        public async ValueTask DisposeAsync()
        {
            await _run.CancelAsync();
            _run.Dispose();
        }

        private async Task ExitAfterAsync(TimeSpan duration)
        {
            try
            {
                await Task.Delay(duration, time, _run.Token);
                _exit.TrySetResult(new TaskExit(fails ? 1 : 0));
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
