using Microsoft.Extensions.Logging;

namespace Swarm.Worker.Exec;

/// <summary>
/// Runs each task as a local process: <c>Command[0]</c> with the other elements as arguments, with
/// the task's environment and working directory. Started processes are recorded in the state
/// directory; a restarted agent adopts the ones still alive instead of starting them again.
/// </summary>
public sealed class ProcessExecutor : IExecutor
{
    private readonly ProcessRecords _records;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ProcessExecutor(string stateDir, TimeProvider time, ILogger logger)
    {
        _records = new ProcessRecords(stateDir);
        _time = time;
        _logger = logger;
    }

    public string Name => "process";

    /// <summary>How often an adopted process (not a child of this agent) is checked for exit.</summary>
    public TimeSpan AdoptedPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public ITaskController Controller(TaskAssignment task) => new ProcessController(task, _records, _time, AdoptedPollInterval, _logger);

    public async Task CleanupAsync(IReadOnlySet<string> assignedTaskIds, CancellationToken cancellationToken)
    {
        var stale = _records.All().Where(r => !assignedTaskIds.Contains(r.TaskId)).ToList();
        await Task.WhenAll(stale.Select(async record =>
        {
            if (Posix.IsAlive(record.Pid, record.StartTime))
            {
                _logger.LogInformation("task {TaskId} is no longer assigned: stopping its process {Pid}", record.TaskId, record.Pid);
                await ProcessController.TerminateAsync(record.Pid, record.StartTime, TimeSpan.FromSeconds(Math.Max(0, record.StopGracePeriodSeconds)), _time, cancellationToken);
            }

            _records.Delete(record.TaskId);
        }));
    }
}
