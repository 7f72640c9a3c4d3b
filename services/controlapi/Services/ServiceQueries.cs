using Marten;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.EventStore.Queries;

namespace Swarm.ControlApi.Services;

/// <summary>Reads of the service read model. Removed services are invisible.</summary>
public static class ServiceQueries
{
    /// <summary>Finds a live service by full id, exact name, or unique id prefix (in that order; see <see cref="ServiceLookup"/>).</summary>
    public static async Task<Lookup<Service>> FindAsync(IQuerySession session, string reference, CancellationToken ct)
    {
        var found = await session.FindServiceAsync(reference, ct);
        return found.Outcome switch
        {
            LookupOutcome.Found => Lookup<Service>.Found(found.Value!),
            LookupOutcome.Ambiguous => Lookup<Service>.Ambiguous("service", reference, found.Matches),
            _ => Lookup<Service>.Missing("service", reference),
        };
    }

    public static async Task<IReadOnlyList<Service>> ListAsync(IQuerySession session, CancellationToken ct) =>
        (await session.Query<Service>().Where(s => !s.Removed).ToListAsync(ct)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

    /// <summary>Task counts per service (see <see cref="TaskCounts"/>).</summary>
    /// <remarks>
    /// One narrow query (four fields of each task, not the whole documents): at thousands of tasks the
    /// documents, with their specs, cost far more to read than the counts are worth.
    /// </remarks>
    public static async Task<Dictionary<Guid, TaskCounts>> CountsAsync(IQuerySession session, IReadOnlyCollection<Service> services, CancellationToken ct)
    {
        var rows = await session.Query<SwarmTask>()
            .Select(t => new { t.ServiceId, t.State, t.DesiredState, t.SpecVersion })
            .ToListAsync(ct);
        var versions = services.ToDictionary(s => s.Id, s => s.SpecVersion);
        return rows
            .Select(r => new CountedTask(r.ServiceId, r.State, r.DesiredState, r.SpecVersion))
            .GroupBy(t => t.ServiceId)
            .ToDictionary(g => g.Key, g => Count(g, versions.GetValueOrDefault(g.Key)));
    }

    /// <summary>What the counts look at of a task.</summary>
    private sealed record CountedTask(Guid ServiceId, TaskState State, DesiredState DesiredState, long SpecVersion)
    {
        public static CountedTask Of(SwarmTask t) => new(t.ServiceId, t.State, t.DesiredState, t.SpecVersion);
    }

    private static TaskCounts Count(IEnumerable<CountedTask> tasks, long specVersion)
    {
        var list = tasks.ToList();
        return new TaskCounts(
            list.Count(t => t.State == TaskState.Running && t.DesiredState is DesiredState.Running or DesiredState.Completed),
            list.Count(t => !TaskStateMachine.IsTerminal(t.State) && t.DesiredState <= DesiredState.Completed),
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
        var summary = ServiceViews.Summary(service, Count(tasks.Select(CountedTask.Of), service.SpecVersion));
        var networks = await Networks.NetworkQueries.ListAsync(session, ct);
        return ServiceViews.Detail(service, summary, states, networks);
    }
}
