using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Tests;

/// <summary>Collects reported states and lets a test wait (bounded) for one.</summary>
public sealed class RecordingSink : IStatusSink
{
    private readonly object _gate = new();
    private readonly List<StatusUpdate> _updates = [];

    public IReadOnlyList<StatusUpdate> Updates
    {
        get
        {
            lock (_gate)
            {
                return _updates.ToList();
            }
        }
    }

    public void Report(StatusUpdate update)
    {
        lock (_gate)
        {
            _updates.Add(update);
        }
    }

    public IReadOnlyList<TaskState> StatesOf(string taskId) => Updates.Where(u => u.TaskId == taskId).Select(u => u.State).ToList();

    public async Task<StatusUpdate> WaitForAsync(string taskId, Func<TaskState, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (Updates.FirstOrDefault(u => u.TaskId == taskId && match(u.State)) is { } found)
            {
                return found;
            }

            await Task.Delay(10);
        }

        var errors = Updates.Where(u => u.TaskId == taskId && !string.IsNullOrEmpty(u.Error)).Select(u => $"{u.State}: {u.Error}");
        throw new TimeoutException($"task {taskId} did not reach the expected state; saw {string.Join(", ", StatesOf(taskId))}; errors: {string.Join("; ", errors)}");
    }

    public Task<StatusUpdate> WaitForAsync(string taskId, TaskState state, TimeSpan? timeout = null) =>
        WaitForAsync(taskId, s => s == state, timeout);

    public Task<StatusUpdate> WaitForTerminalAsync(string taskId, TimeSpan? timeout = null) =>
        WaitForAsync(taskId, s => s >= TaskState.Complete, timeout);
}
