using Swarm.Testing;

namespace Swarm.EndToEndTests.Infrastructure;

/// <summary>
/// The PostgreSQL database and schema and the RabbitMQ vhost a <see cref="RunningCluster"/> runs on;
/// disposing it drops them (or stops the servers it owns).
/// </summary>
public sealed class ClusterBackend(string postgresConnection, string rabbitMqUri, string schema, Func<ValueTask> dispose) : IAsyncDisposable
{
    public string PostgresConnection { get; } = postgresConnection;

    /// <summary>amqp:// URI with user, password and vhost.</summary>
    public string RabbitMqUri { get; } = rabbitMqUri;

    public string Schema { get; } = schema;

    /// <summary>A fresh schema and vhost of the shared PostgreSQL and RabbitMQ.</summary>
    public static ClusterBackend Of(IsolatedCluster isolated) =>
        new(isolated.PostgresConnection, isolated.RabbitMqUri, isolated.Schema, isolated.DisposeAsync);

    public ValueTask DisposeAsync() => dispose();
}
