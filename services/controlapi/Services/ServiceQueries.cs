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

    /// <summary>Running tasks (observed and desired) per service.</summary>
    public static async Task<Dictionary<Guid, int>> RunningCountsAsync(IQuerySession session, CancellationToken ct)
    {
        var serviceIds = await session.Query<SwarmTask>()
            .Where(t => t.State == TaskState.Running && t.DesiredState == DesiredState.Running)
            .Select(t => t.ServiceId)
            .ToListAsync(ct);
        return serviceIds.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
    }

    public static async Task<ServiceDetail> DetailAsync(IQuerySession session, Service service, CancellationToken ct)
    {
        var tasks = await session.Query<SwarmTask>().Where(t => t.ServiceId == service.Id).ToListAsync(ct);
        var current = tasks.Where(t => t.DesiredState is DesiredState.Running or DesiredState.Ready).ToList();
        var states = current
            .GroupBy(t => t.State)
            .OrderBy(g => g.Key)
            .ToDictionary(g => g.Key.ToString().ToLowerInvariant(), g => g.Count());
        var running = current.Count(t => t.State == TaskState.Running && t.DesiredState == DesiredState.Running);
        return new ServiceDetail(
            service.Id,
            service.Name,
            ServiceSummary.ModeOf(service.Spec),
            service.Spec.Replicas ?? 1,
            running,
            states,
            service.SpecVersion,
            service.Spec,
            service.PreviousSpec,
            service.CreatedAt,
            service.UpdatedAt);
    }
}
