using Marten;

namespace Swarm.EventStore;

/// <summary>Questions about streams answered with one statement, whatever the number of streams.</summary>
public static class StreamQueries
{
    /// <summary>Which of <paramref name="ids"/> name a stream already in the log.</summary>
    public static async Task<HashSet<Guid>> ExistingStreamsAsync(this IQuerySession session, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        var found = await session.AdvancedSql.QueryAsync<Guid>($"select id from {schema}.mt_streams where id = any(?)", cancellationToken, ids.ToArray());
        return [.. found];
    }
}
