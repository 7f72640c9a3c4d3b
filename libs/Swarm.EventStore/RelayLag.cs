using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Swarm.EventStore;

/// <summary>
/// <c>swarm.relay.lag</c>: events in the log not yet published to the bus — the newest sequence in the
/// log minus the newest one the relay published (what this process relayed, or the progress the relay
/// recorded in the log, whichever is newer). Both log values come from one cheap query
/// (<c>max(seq_id)</c> on the events' primary key and one progression row), cached and refreshed at
/// most every <see cref="RefreshInterval"/>, in the background of a collection: reading the gauge
/// never waits for the database. Every process that hosts the relay reports it; the active relay's
/// value is the lowest.
/// </summary>
public sealed class RelayLag
{
    public const string Name = "swarm.relay.lag";
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private readonly string _connectionString;
    private readonly string _sql;
    private readonly TimeProvider _time;
    private readonly ILogger<RelayLag> _logger;
    private long _published;
    private long _logHead;
    private long _recorded;
    private long _refreshedAtTicks = long.MinValue;
    private int _refreshing;

    public RelayLag(IConfiguration configuration, IMeterFactory meters, ILogger<RelayLag> logger, TimeProvider? time = null)
    {
        _connectionString = configuration.PostgresConnectionString();
        var schema = configuration.SwarmSchema();
        _sql = $"select coalesce((select max(seq_id) from {schema}.mt_events), 0), " +
               $"coalesce((select last_seq_id from {schema}.mt_event_progression where name = '{EventRelay.SubscriptionName}:All'), 0)";
        _time = time ?? TimeProvider.System;
        _logger = logger;
        meters.Create(EventRelay.Source.Name).CreateObservableGauge(Name, Observe, "{event}", "Events in the log not yet published to the bus");
    }

    /// <summary>The relay published every event up to <paramref name="sequence"/>.</summary>
    public void Published(long sequence)
    {
        var seen = Interlocked.Read(ref _published);
        while (sequence > seen)
        {
            var previous = Interlocked.CompareExchange(ref _published, sequence, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    /// <summary>The current lag from the cached values; starts a refresh when they are older than <see cref="RefreshInterval"/>.</summary>
    public long Observe()
    {
        var now = _time.GetUtcNow().UtcTicks;
        if (now - Interlocked.Read(ref _refreshedAtTicks) >= RefreshInterval.Ticks && Interlocked.Exchange(ref _refreshing, 1) == 0)
        {
            _ = Task.Run(RefreshAsync);
        }

        var published = Math.Max(Interlocked.Read(ref _published), Interlocked.Read(ref _recorded));
        return Math.Max(0, Interlocked.Read(ref _logHead) - published);
    }

    /// <summary>Reads the newest sequence in the log and the relay's recorded progress into the cached values.</summary>
    public async Task RefreshAsync()
    {
        try
        {
            await ReadAsync(CancellationToken.None);
        }
        finally
        {
            Interlocked.Exchange(ref _refreshedAtTicks, _time.GetUtcNow().UtcTicks);
            Interlocked.Exchange(ref _refreshing, 0);
        }
    }

    /// <summary>
    /// The newest sequence in the log and the progress the relay recorded, read now (and kept for the
    /// gauge); null when the database cannot be read.
    /// </summary>
    public async Task<(long Head, long Recorded)?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(_sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            var (head, recorded) = (reader.GetInt64(0), reader.GetInt64(1));
            Interlocked.Exchange(ref _logHead, head);
            Interlocked.Exchange(ref _recorded, recorded);
            return (head, recorded);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            _logger.LogDebug("reading the relay's progress failed: {Message}", ex.Message);
            return null;
        }
    }
}
