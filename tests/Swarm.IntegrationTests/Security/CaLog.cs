using Marten;
using Npgsql;
using Swarm.EventStore;
using Swarm.EventStore.Security;
using Swarm.Security;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Security;

/// <summary>An isolated cluster log with cluster CAs over it, each with a store of its own as separate managers have.</summary>
internal sealed class CaLog : IAsyncDisposable
{
    private readonly List<DocumentStore> _stores = [];

    private CaLog(IsolatedCluster cluster) => Cluster = cluster;

    public IsolatedCluster Cluster { get; }

    public string Kek { get; } = KeyEncryptionKey.Generate();

    public static async Task<CaLog> CreateAsync() => new(await IsolatedCluster.CreateAsync());

    public DocumentStore NewStore()
    {
        var store = DocumentStore.For(o => SwarmStoreOptions.Configure(o, Cluster.PostgresConnection, Cluster.Schema, applySchema: false));
        _stores.Add(store);
        return store;
    }

    /// <summary>A CA as a manager process has it: its own store, the cluster's key (or <paramref name="kek"/>).</summary>
    public ClusterCa NewCa(string? kek = null, TimeProvider? time = null, TimeSpan? cacheFor = null) =>
        new(NewStore(), KeyEncryptionKey.Parse(kek ?? Kek), time, logger: null, cacheFor);

    public async Task<List<string>> RawAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Cluster.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(await reader.IsDBNullAsync(0) ? "" : reader.GetValue(0).ToString()!);
        }

        return rows;
    }

    public string CaTable => $"{Cluster.Schema}.mt_doc_clustercadocument";

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        await Cluster.DisposeAsync();
    }
}
