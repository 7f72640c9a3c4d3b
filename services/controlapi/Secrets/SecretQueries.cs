using Marten;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Common;
using Swarm.Domain.Secrets;
using Swarm.EventStore.Queries;

namespace Swarm.ControlApi.Secrets;

/// <summary>Reads of the secret and config read models (metadata only). Removed ones are invisible.</summary>
public static class SecretQueries
{
    public static async Task<IReadOnlyList<Secret>> SecretsAsync(IQuerySession session, CancellationToken ct) =>
        (await session.Query<Secret>().Where(s => !s.Removed).ToListAsync(ct)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

    public static async Task<IReadOnlyList<Config>> ConfigsAsync(IQuerySession session, CancellationToken ct) =>
        (await session.Query<Config>().Where(c => !c.Removed).ToListAsync(ct)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();

    /// <summary>Finds one by full id, exact name, or unique id prefix (in that order).</summary>
    public static Lookup<T> Find<T>(string kind, IReadOnlyList<T> all, string reference, Func<T, Guid> id, Func<T, string> name) where T : class
    {
        if (Guid.TryParse(reference, out var full))
        {
            return Lookup<T>.FromMatches(kind, reference, all.Where(x => id(x) == full).ToList());
        }

        if (all.FirstOrDefault(x => name(x) == reference) is { } byName)
        {
            return Lookup<T>.Found(byName);
        }

        return IdPrefix.Normalize(reference) is { } prefix
            ? Lookup<T>.FromMatches(kind, reference, all.Where(x => IdPrefix.Matches(id(x), prefix)).ToList())
            : Lookup<T>.Missing(kind, reference);
    }

    /// <summary>
    /// The first secret or config a service spec references that does not exist (404 naming
    /// <c>spec.secrets[i].source</c>), or null when all do.
    /// </summary>
    public static async Task<ApiError?> MissingReferenceAsync(IQuerySession session, ServiceSpec spec, string prefix, CancellationToken ct) =>
        await Swarm.EventStore.Secrets.SecretReferences.MissingAsync(session, spec, prefix, ct) is { } missing
            ? new ApiError(ApiError.NotFound, missing.Field, missing.Reason)
            : null;
}
