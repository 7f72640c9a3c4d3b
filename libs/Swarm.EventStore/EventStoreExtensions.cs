using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Swarm.EventStore;

public static class EventStoreExtensions
{
    /// <summary>PostgreSQL connection string: <c>ConnectionStrings:Postgres</c> (env <c>ConnectionStrings__Postgres</c>).</summary>
    public static string PostgresConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString("Postgres")
        ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set (environment variable ConnectionStrings__Postgres)");

    /// <summary>Schema of the cluster log: <c>Swarm:Schema</c>, default <c>swarm</c>.</summary>
    public static string SwarmSchema(this IConfiguration configuration) =>
        configuration["Swarm:Schema"] is { Length: > 0 } schema ? schema : SwarmStoreOptions.DefaultSchema;

    /// <summary>
    /// Registers the cluster log. With <paramref name="runRelay"/> this process also competes (hot/cold,
    /// through a PostgreSQL advisory lock) to be the one relay from the log to the bus.
    /// </summary>
    public static IServiceCollection AddSwarmEventStore(this IServiceCollection services, IConfiguration configuration, bool runRelay)
    {
        var marten = services.AddMarten(opts =>
            SwarmStoreOptions.Configure(opts, configuration.PostgresConnectionString(), configuration.SwarmSchema(), applySchema: false));
        marten.UseLightweightSessions();

        if (runRelay)
        {
            services.AddMetrics();
            services.AddSingleton<RelayLag>();
            // a page is published all at once and confirmed as a whole: larger pages keep more
            // messages in flight (a burst of 10,000 task creations is 5 pages, not 20)
            var pageSize = int.TryParse(configuration["Swarm:RelayPageSize"], out var size) && size > 0 ? size : 2000;
            marten.AddSubscriptionWithServices<EventRelay>(ServiceLifetime.Singleton, o =>
            {
                o.Options.BatchSize = pageSize;
            });
            marten.AddAsyncDaemon(DaemonMode.HotCold);
            services.AddHostedService<RelayWatchdog>();
        }

        return services;
    }

    /// <summary>Creates or updates every table and function of the cluster log.</summary>
    public static async Task ApplySchemaAsync(string connectionString, string schema, CancellationToken cancellationToken = default)
    {
        using var store = DocumentStore.For(opts => SwarmStoreOptions.Configure(opts, connectionString, schema, applySchema: true));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        _ = cancellationToken;
    }
}
