using Marten;
using Npgsql;

namespace Swarm.EventStore;

/// <summary>
/// Plain SQL next to the store, for the reads that need a few fields of many documents (or an aggregate
/// over them) rather than whole documents.
/// </summary>
public static class ReadModelSql
{
    /// <summary>The qualified table of a document type, in the store's schema.</summary>
    public static string TableOf<T>(this IDocumentStore store) =>
        store.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;

    /// <summary>An open connection to the store's database, from its pool.</summary>
    public static async Task<NpgsqlConnection> OpenConnectionAsync(this IDocumentStore store, CancellationToken cancellationToken)
    {
        var connection = store.Storage.Database.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
