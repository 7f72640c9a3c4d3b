using Swarm.Domain.Cluster;
using Swarm.Domain.Nodes;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Marten;

namespace Swarm.EventStore.Queries;

/// <summary>What a service's reconciliation depends on, summed up as a string that changes whenever any of it does.</summary>
public sealed record ServiceFingerprint(Guid ServiceId, string Fingerprint);

public static class ServiceFingerprints
{
    /// <summary>
    /// Per service, in one statement: its version, a digest of every task's id and stream version, and the
    /// nodes' count and version sum and the cluster settings' version. Any event on any of them (a task
    /// created, reported or reaped — its document deleted —, a node down or drained, a new spec) changes it;
    /// task counts and sums alone could come back to the same value when one task is reaped and another made.
    /// Removed services are included (their tasks are still shut down and reaped).
    /// </summary>
    public static async Task<IReadOnlyList<ServiceFingerprint>> ServiceFingerprintsAsync(this IDocumentStore store, CancellationToken cancellationToken)
    {
        var sql = $"""
            select s.id,
                s.mt_version || '/' || coalesce(t.tasks, 0) || '/' || coalesce(t.digest, '') || '/' ||
                (select count(*) || '/' || coalesce(sum(mt_version), 0) from {store.TableOf<Node>()}) || '/' ||
                (select coalesce(max(mt_version), 0) from {store.TableOf<ClusterSettings>()})
            from {store.TableOf<Service>()} s
            left join (
                select (data->>'serviceId')::uuid as service_id, count(*) as tasks, md5(string_agg(id::text || ':' || mt_version, ',' order by id)) as digest
                from {store.TableOf<SwarmTask>()} group by 1) t on t.service_id = s.id
            """;
        var result = new List<ServiceFingerprint>();
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new ServiceFingerprint(reader.GetGuid(0), reader.GetString(1)));
        }

        return result;
    }
}
