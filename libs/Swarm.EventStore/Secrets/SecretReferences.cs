using Marten;
using Swarm.Contracts.Model;
using Swarm.Domain.Secrets;
using Swarm.Domain.Services;

namespace Swarm.EventStore.Secrets;

/// <summary>Whether the secrets and configs a service spec references exist (live, by name): one typed query for the control API and the orchestrator.</summary>
public static class SecretReferences
{
    /// <summary>The first reference naming no live secret or config (<c>spec.secrets[i].source</c>), or null when all do.</summary>
    public static async Task<ValidationError?> MissingAsync(IQuerySession session, ServiceSpec? spec, string prefix, CancellationToken ct)
    {
        if (spec?.Secrets is { Count: > 0 } secrets)
        {
            var live = (await session.Query<Secret>().Where(s => !s.Removed).Select(s => s.Name).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < secrets.Count; i++)
            {
                if (!live.Contains(secrets[i].Source))
                {
                    return new($"{prefix}.secrets[{i}].source", $"no secret '{secrets[i].Source}': create it first with 'swarmctl secret create'");
                }
            }

        }

        if (spec?.Configs is { Count: > 0 } configs)
        {
            var live = (await session.Query<Config>().Where(c => !c.Removed).Select(c => c.Name).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < configs.Count; i++)
            {
                if (!live.Contains(configs[i].Source))
                {
                    return new($"{prefix}.configs[{i}].source", $"no config '{configs[i].Source}': create it first with 'swarmctl config create'");
                }
            }
        }

        return null;
    }
}
