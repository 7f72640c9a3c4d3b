using Marten;
using Swarm.Contracts.Model;
using Swarm.Dispatcher.Leadership;
using Swarm.Domain.Tasks;
using Swarm.EventStore;

namespace Swarm.Dispatcher.Tasks;

/// <summary>One task state an agent reported.</summary>
public sealed record ReportedStatus(string TaskId, TaskState State, string Message, string? Error, int? ExitCode, DateTimeOffset At);

/// <summary>A report the dispatcher will never accept, and why.</summary>
public sealed record RefusedReport(string TaskId, string Reason);

/// <summary>
/// Writes a batch of an agent's task reports into the log in one transaction. Each report is
/// decided against the task's stream (a node may only report its own tasks; duplicates and late,
/// older reports change nothing); a conflict with a concurrent writer retries the whole batch. The
/// batch is fenced by the leadership term it is written under (<see cref="TermFence"/>).
/// </summary>
public sealed class TaskStatusWriter
{
    private readonly IDocumentStore _store;
    private readonly TermFence _fence;

    public TaskStatusWriter(IDocumentStore store, TermFence fence)
    {
        _store = store;
        _fence = fence;
    }

    public Task<IReadOnlyList<RefusedReport>> WriteAsync(Guid nodeId, IReadOnlyList<ReportedStatus> reports, CancellationToken cancellationToken) =>
        Conflicts.RetryAsync(_ => WriteOnceAsync(nodeId, reports, cancellationToken), 5, cancellationToken);

    private async Task<IReadOnlyList<RefusedReport>> WriteOnceAsync(Guid nodeId, IReadOnlyList<ReportedStatus> reports, CancellationToken ct)
    {
        var refused = new List<RefusedReport>();
        await using var session = _store.LightweightSession();
        session.Stamp();
        var term = await _fence.GuardAsync(session, ct);
        var appended = 0;

        // several states of one task (accepted … running) arrive together: fetch each stream once,
        // all of them in one round trip, then decide in report order
        var groups = new List<(IGrouping<string, ReportedStatus> Reports, Task<JasperFx.Events.IEventStream<SwarmTask>> Stream)>();
        var batch = session.CreateBatchQuery();
        foreach (var group in reports.GroupBy(r => r.TaskId, StringComparer.Ordinal))
        {
            if (!Guid.TryParse(group.Key, out var taskId))
            {
                refused.AddRange(group.Select(r => new RefusedReport(r.TaskId, "task id is not a GUID")));
                continue;
            }

            groups.Add((group, batch.Events.FetchForWriting<SwarmTask>(taskId)));
        }

        if (groups.Count > 0)
        {
            await batch.Execute(ct);
        }

        foreach (var (group, fetch) in groups)
        {
            var stream = await fetch;
            if (stream.Aggregate is not { } task)
            {
                refused.AddRange(group.Select(r => new RefusedReport(r.TaskId, "unknown task")));
                continue;
            }

            foreach (var report in group)
            {
                try
                {
                    if (TaskDecisions.Report(task, nodeId, report.State, report.Message, report.Error, report.ExitCode, report.At) is { } changed)
                    {
                        stream.AppendOne(changed);
                        task = task.Apply(changed);
                        appended++;
                    }
                }
                catch (TaskReportRefusedException ex)
                {
                    refused.Add(new RefusedReport(report.TaskId, ex.Message));
                }
            }
        }

        if (appended > 0)
        {
            await TermFence.SaveChangesAsync(session, term, ct);
            await TaskLatencyMetrics.RecordRunningAsync(groups.Select(g => g.Stream));
        }

        return refused;
    }
}
