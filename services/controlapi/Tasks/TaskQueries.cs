using System.Text.Json;
using Marten;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.ControlApi.Nodes;
using Swarm.Domain.Tasks;
using Swarm.EventStore.Queries;

namespace Swarm.ControlApi.Tasks;

/// <summary>Reads of the task read model and of task streams.</summary>
public static class TaskQueries
{
    /// <summary>Tasks matching the filter, by slot, newest first within a slot.</summary>
    public static async Task<IReadOnlyList<TaskSummary>> ListAsync(IQuerySession session, TaskFilter filter, CancellationToken ct)
    {
        var query = session.Query<SwarmTask>().AsQueryable();
        if (filter.ServiceId is { } serviceId)
        {
            query = query.Where(t => t.ServiceId == serviceId);
        }

        if (filter.NodeId is { } nodeId)
        {
            query = query.Where(t => t.NodeId == nodeId);
        }

        if (filter.DesiredState is { } desired)
        {
            query = query.Where(t => t.DesiredState == desired);
        }

        var tasks = await query.ToListAsync(ct);
        var hostnames = await NodeQueries.HostnamesAsync(session, ct);
        return tasks
            .OrderBy(t => t.ServiceName, StringComparer.Ordinal)
            .ThenBy(t => t.Slot)
            .ThenByDescending(t => t.CreatedAt)
            .Select(t => TaskViews.Summary(t, HostnameOf(hostnames, t.NodeId)))
            .ToList();
    }

    /// <summary>Finds a task by full id or unique id prefix.</summary>
    public static async Task<Lookup<SwarmTask>> FindAsync(IQuerySession session, string reference, CancellationToken ct)
    {
        if (Guid.TryParse(reference, out var id))
        {
            // a reaped task has left the read model, but its stream is still in the log
            var task = await session.LoadAsync<SwarmTask>(id, ct) ?? await FromLogAsync(session, id, ct);
            return task is null ? Lookup<SwarmTask>.Missing("task", reference) : Lookup<SwarmTask>.Found(task);
        }

        if (IdPrefix.Normalize(reference) is not { } prefix)
        {
            return Lookup<SwarmTask>.Missing("task", reference);
        }

        var matches = await session.QueryAsync<SwarmTask>(IdPrefix.SqlCondition, ct, prefix + "%");
        return Lookup<SwarmTask>.FromMatches("task", reference, matches);
    }

    /// <summary>Folds a task's stream from the log (for tasks no longer in the read model).</summary>
    private static async Task<SwarmTask?> FromLogAsync(IQuerySession session, Guid id, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(id, token: ct);
        if (events.Count == 0 || events[0].Data is not Swarm.Contracts.Events.TaskCreated created)
        {
            return null;
        }

        return SwarmTask.Fold(created, events.Skip(1).Select(e => e.Data));
    }

    /// <summary>The task with the events of its stream, each written as JSON with <paramref name="json"/> (the API's settings).</summary>
    public static async Task<TaskDetail> DetailAsync(IQuerySession session, SwarmTask task, JsonSerializerOptions json, CancellationToken ct)
    {
        var hostnames = await NodeQueries.HostnamesAsync(session, ct);
        var events = await session.Events.FetchStreamAsync(task.Id, token: ct);
        var history = events
            .OrderBy(e => e.Version)
            .Select(e => TaskViews.HistoryEntry(
                e.Version,
                e.Sequence,
                e.Timestamp,
                e.EventTypeName,
                TaskHistory.Summarize(e.Data, id => HostnameOf(hostnames, id) ?? id.ToString()),
                e.Data,
                json))
            .ToList();
        return TaskViews.Detail(task, HostnameOf(hostnames, task.NodeId), history);
    }

    public static async Task<TaskTrace> TraceAsync(IQuerySession session, SwarmTask task, CancellationToken ct)
    {
        var hostnames = await NodeQueries.HostnamesAsync(session, ct);
        var events = await session.Events.FetchStreamAsync(task.Id, token: ct);
        return TaskTraces.Build(task, events, id => HostnameOf(hostnames, id) ?? id.ToString());
    }

    private static string? HostnameOf(IReadOnlyDictionary<Guid, string> hostnames, Guid? nodeId) =>
        nodeId is { } id ? hostnames.GetValueOrDefault(id) ?? id.ToString() : null;
}
