using System.Collections.Concurrent;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Tests.Agent;

/// <summary>Counts what the agent asks of the executor; tasks run until stopped.</summary>
public sealed class FakeExecutor : IExecutor
{
    public ConcurrentDictionary<string, int> Created { get; } = new();
    public ConcurrentDictionary<string, int> Started { get; } = new();
    public ConcurrentDictionary<string, int> Stopped { get; } = new();
    public List<IReadOnlySet<string>> Cleanups { get; } = [];

    public string Name => "fake";

    public SecretStore Secrets { get; } = new();

    public ITaskController Controller(TaskAssignment task)
    {
        Created.AddOrUpdate(task.TaskId, 1, (_, n) => n + 1);
        return new FakeController(this, task.TaskId);
    }

    public Task CleanupAsync(IReadOnlySet<string> assignedTaskIds, CancellationToken cancellationToken)
    {
        Cleanups.Add(assignedTaskIds);
        return Task.CompletedTask;
    }

    private sealed class FakeController(FakeExecutor owner, string taskId) : ITaskController
    {
        private readonly TaskCompletionSource<TaskExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<TaskRecovery> RecoverAsync(CancellationToken cancellationToken) => Task.FromResult(TaskRecovery.None);

        public Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            owner.Started.AddOrUpdate(taskId, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }

        public Task<TaskExit> WaitAsync(CancellationToken cancellationToken) => _exit.Task.WaitAsync(cancellationToken);

        public Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
        {
            owner.Stopped.AddOrUpdate(taskId, 1, (_, n) => n + 1);
            _exit.TrySetResult(new TaskExit(143));
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
