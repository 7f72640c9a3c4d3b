using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Dispatcher.Leadership;
using Swarm.Domain.Tasks;
using Swarm.EventStore;

namespace Swarm.Dispatcher.Tasks;

/// <summary>One task state an agent reported.</summary>
public sealed record ReportedStatus(string TaskId, TaskState State, string Message, string? Error, int? ExitCode, DateTimeOffset At);

/// <summary>A report the dispatcher will never accept, and why.</summary>
public sealed record RefusedReport(string TaskId, string Reason);

/// <summary>The reports one node sent in one call.</summary>
public sealed record NodeReports(Guid NodeId, IReadOnlyList<ReportedStatus> Reports);

/// <summary>
/// Writes agents' task reports into the log in one transaction — the reports of many nodes at once
/// (<see cref="StatusBatcher"/> gathers them). Each report is decided against the task's stream (a
/// node may only report its own tasks; duplicates and late, older reports change nothing), and the
/// states one task went through are one event (<see cref="TaskStatusChanges.Combine"/>). A conflict
/// with a concurrent writer retries the whole batch. The batch is fenced by the leadership term it
/// is written under (<see cref="TermFence"/>).
/// </summary>
public sealed class TaskStatusWriter
{
    private readonly IDocumentStore _store;
    private readonly TermFence _fence;
    private readonly TimeProvider _time;

    public TaskStatusWriter(IDocumentStore store, TermFence fence, TimeProvider time)
    {
        _store = store;
        _fence = fence;
        _time = time;
    }

    /// <summary>Writes one node's reports; returns the ones refused.</summary>
    public async Task<IReadOnlyList<RefusedReport>> WriteAsync(Guid nodeId, IReadOnlyList<ReportedStatus> reports, CancellationToken cancellationToken) =>
        (await WriteManyAsync([new NodeReports(nodeId, reports)], cancellationToken))[0];

    /// <summary>Writes the reports of several nodes together; returns, for each, the reports refused.</summary>
    public Task<IReadOnlyList<IReadOnlyList<RefusedReport>>> WriteManyAsync(IReadOnlyList<NodeReports> batches, CancellationToken cancellationToken) =>
        Conflicts.RetryAsync(_ => WriteOnceAsync(batches, cancellationToken), 5, cancellationToken);

    private async Task<IReadOnlyList<IReadOnlyList<RefusedReport>>> WriteOnceAsync(IReadOnlyList<NodeReports> batches, CancellationToken ct)
    {
        var refused = batches.Select(_ => new List<RefusedReport>()).ToArray();
        await using var session = _store.LightweightSession();
        session.Stamp();
        var term = await _fence.GuardAsync(session, ct);

        // several states of one task (accepted … running) arrive together: fetch each stream once,
        // all of them in one round trip, then decide in report order
        var byTask = new Dictionary<Guid, List<(int Batch, Guid NodeId, ReportedStatus Report)>>();
        for (var i = 0; i < batches.Count; i++)
        {
            foreach (var report in batches[i].Reports)
            {
                if (!Guid.TryParse(report.TaskId, out var taskId))
                {
                    refused[i].Add(new RefusedReport(report.TaskId, "task id is not a GUID"));
                    continue;
                }

                if (!byTask.TryGetValue(taskId, out var reports))
                {
                    byTask[taskId] = reports = [];
                }

                reports.Add((i, batches[i].NodeId, report));
            }
        }

        var fetches = new List<(List<(int Batch, Guid NodeId, ReportedStatus Report)> Reports, Task<JasperFx.Events.IEventStream<SwarmTask>> Stream)>(byTask.Count);
        if (byTask.Count > 0)
        {
            var batch = session.CreateBatchQuery();
            foreach (var (taskId, reports) in byTask)
            {
                fetches.Add((reports, batch.Events.FetchForWriting<SwarmTask>(taskId)));
            }

            await batch.Execute(ct);
        }

        var appended = new List<(SwarmTask Task, List<TaskStatusChanged> Changes)>();
        foreach (var (reports, fetch) in fetches)
        {
            var stream = await fetch;
            if (stream.Aggregate is not { } task)
            {
                foreach (var (i, _, report) in reports)
                {
                    refused[i].Add(new RefusedReport(report.TaskId, "unknown task"));
                }

                continue;
            }

            var changes = new List<TaskStatusChanged>();
            foreach (var (i, nodeId, report) in reports)
            {
                try
                {
                    if (TaskDecisions.Report(task, nodeId, report.State, report.Message, report.Error, report.ExitCode, report.At) is { } changed)
                    {
                        changes.Add(changed);
                        task = task.Apply(changed);
                    }
                }
                catch (TaskReportRefusedException ex)
                {
                    refused[i].Add(new RefusedReport(report.TaskId, ex.Message));
                }
            }

            if (TaskStatusChanges.Combine(changes) is { } combined)
            {
                stream.AppendOne(combined);
                appended.Add((task, changes));
            }
        }

        if (appended.Count > 0)
        {
            await TermFence.SaveChangesAsync(session, term, ct);
            var committed = _time.GetUtcNow();
            foreach (var (task, changes) in appended)
            {
                foreach (var change in changes)
                {
                    TaskSpans.Recorded(task, change.State, change.At, committed, appended.Count);
                }

                // a task reaches RUNNING once: a change to it is its first
                if (changes.Find(c => c.State == TaskState.Running) is { } running)
                {
                    TaskLatencyMetrics.RecordRunning(task, running.At);
                }
            }
        }

        return refused;
    }
}
