using Marten;
using Swarm.ControlApi.Common;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.ControlApi.Services;

/// <summary>Reads of the service read model. Removed services are invisible.</summary>
public static class ServiceQueries
{
    /// <summary>Finds a live service by full id, exact name, or unique id prefix (in that order).</summary>
    public static async Task<Lookup<Service>> FindAsync(IQuerySession session, string reference, CancellationToken ct)
    {
        if (Guid.TryParse(reference, out var id))
        {
            var byId = await session.LoadAsync<Service>(id, ct);
            return byId is { Removed: false } ? Lookup<Service>.Found(byId) : Lookup<Service>.Missing("service", reference);
        }

        var byName = await session.Query<Service>().Where(s => s.Name == reference && !s.Removed).ToListAsync(ct);
        if (byName.Count > 0)
        {
            return Lookup<Service>.Found(byName[0]);
        }

        if (IdPrefix.Normalize(reference) is not { } prefix)
        {
            return Lookup<Service>.Missing("service", reference);
        }

        var byPrefix = await session.QueryAsync<Service>(IdPrefix.SqlCondition, ct, prefix + "%");
        return Lookup<Service>.FromMatches("service", reference, byPrefix.Where(s => !s.Removed).ToList());
    }

    public static async Task<IReadOnlyList<Service>> ListAsync(IQuerySession session, CancellationToken ct) =>
        (await session.Query<Service>().Where(s => !s.Removed).ToListAsync(ct)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

    /// <summary>Task counts per service (see <see cref="TaskCounts"/>).</summary>
    /// <remarks>
    /// Three narrow queries (the service id, and the spec version for completed tasks) instead of every task
    /// document: the same counts as <see cref="Count"/> makes from whole tasks, at a fraction of the cost
    /// with thousands of tasks.
    /// </remarks>
    public static async Task<Dictionary<Guid, TaskCounts>> CountsAsync(IQuerySession session, IReadOnlyCollection<Service> services, CancellationToken ct)
    {
        var running = await session.Query<SwarmTask>()
            .Where(t => t.State == TaskState.Running && WantedRunning.Contains(t.DesiredState))
            .Select(t => t.ServiceId)
            .ToListAsync(ct);
        var active = await session.Query<SwarmTask>()
            .Where(t => NotEnded.Contains(t.State) && WantedLive.Contains(t.DesiredState))
            .Select(t => t.ServiceId)
            .ToListAsync(ct);
        var completed = await session.Query<SwarmTask>()
            .Where(t => t.State == TaskState.Complete)
            .Select(t => new { t.ServiceId, t.SpecVersion })
            .ToListAsync(ct);

        var versions = services.ToDictionary(s => s.Id, s => s.SpecVersion);
        var runningBy = running.CountBy(id => id).ToDictionary();
        var activeBy = active.CountBy(id => id).ToDictionary();
        var completedBy = completed.Where(c => versions.TryGetValue(c.ServiceId, out var v) && v == c.SpecVersion).CountBy(c => c.ServiceId).ToDictionary();
        return runningBy.Keys.Concat(activeBy.Keys).Concat(completedBy.Keys).Distinct().ToDictionary(
            id => id,
            id => new TaskCounts(runningBy.GetValueOrDefault(id), activeBy.GetValueOrDefault(id), completedBy.GetValueOrDefault(id)));
    }

    private static readonly DesiredState[] WantedRunning = [DesiredState.Running, DesiredState.Completed];

    private static readonly DesiredState[] WantedLive = [DesiredState.Ready, DesiredState.Running, DesiredState.Completed];

    private static readonly TaskState[] NotEnded =
        [TaskState.New, TaskState.Pending, TaskState.Assigned, TaskState.Accepted, TaskState.Preparing, TaskState.Ready, TaskState.Starting, TaskState.Running];

    private static TaskCounts Count(IEnumerable<SwarmTask> tasks, long specVersion)
    {
        var list = tasks.ToList();
        return new TaskCounts(
            list.Count(t => t.State == TaskState.Running && t.DesiredState is DesiredState.Running or DesiredState.Completed),
            list.Count(t => !t.IsTerminal && t.DesiredState <= DesiredState.Completed),
            list.Count(t => t.State == TaskState.Complete && t.SpecVersion == specVersion));
    }

    public static async Task<ServiceDetail> DetailAsync(IQuerySession session, Service service, CancellationToken ct)
    {
        var tasks = await session.Query<SwarmTask>().Where(t => t.ServiceId == service.Id).ToListAsync(ct);
        var current = tasks.Where(t => t.DesiredState is DesiredState.Running or DesiredState.Ready || t.DesiredState == DesiredState.Completed && !t.IsTerminal).ToList();
        var states = current
            .GroupBy(t => t.State)
            .OrderBy(g => g.Key)
            .ToDictionary(g => g.Key.ToString().ToLowerInvariant(), g => g.Count());
        var summary = ServiceSummary.From(service, Count(tasks, service.SpecVersion));
        return new ServiceDetail(
            service.Id,
            service.Name,
            summary.Mode,
            summary.Replicas,
            summary.Running,
            summary.Completed,
            summary.TotalCompletions,
            states,
            service.SpecVersion,
            service.Spec,
            service.PreviousSpec,
            service.UpdateStatus,
            summary.Progress,
            service.CreatedAt,
            service.UpdatedAt);
    }
}
