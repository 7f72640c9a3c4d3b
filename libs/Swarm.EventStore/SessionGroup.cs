using JasperFx.Events;
using Marten;
using Marten.Services;
using Npgsql;

namespace Swarm.EventStore;

/// <summary>
/// One PostgreSQL transaction written through several Marten sessions. A session's unit of work looks
/// through everything it already holds on each append and each document it stores, so the cost of one
/// session grows with the square of the streams it writes: a scheduling round of 2,000 tasks spent more
/// time there than in the database. A large batch is therefore split over sessions of at most
/// <see cref="StreamsPerSession"/> streams that share one transaction: the commit stays all-or-nothing
/// (a version conflict in any of them rolls back every one), the cost grows linearly.
/// </summary>
public sealed class SessionGroup : IAsyncDisposable
{
    /// <summary>Streams one session reads for writing or starts, at most.</summary>
    public const int StreamsPerSession = 200;

    private readonly IDocumentStore _store;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly Guid? _correlationId;
    private readonly List<IDocumentSession> _sessions = [];

    private SessionGroup(IDocumentStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? correlationId)
    {
        _store = store;
        _connection = connection;
        _transaction = transaction;
        _correlationId = correlationId;
    }

    /// <summary>
    /// Opens a connection and begins the transaction the group's sessions write in; every session is
    /// stamped with <paramref name="correlationId"/> (see <see cref="TraceContext.Stamp"/>).
    /// </summary>
    public static async Task<SessionGroup> BeginAsync(IDocumentStore store, CancellationToken cancellationToken, Guid? correlationId = null)
    {
        var connection = await store.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new SessionGroup(store, connection, transaction, correlationId);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sessions opened so far, in the order they are saved.</summary>
    public IReadOnlyList<IDocumentSession> Sessions => _sessions;

    /// <summary>A new session in the group's transaction, stamped with this process's trace context.</summary>
    public IDocumentSession NewSession()
    {
        var session = _store.LightweightSession(SessionOptions.ForTransaction(_transaction));
        session.Stamp(_correlationId);
        _sessions.Add(session);
        return session;
    }

    /// <summary>
    /// Reads the streams of <paramref name="ids"/> for writing, <see cref="StreamsPerSession"/> to a session,
    /// one batched round trip per session; the result is in the order of <paramref name="ids"/>.
    /// </summary>
    public async Task<IReadOnlyList<IEventStream<T>>> FetchForWritingAsync<T>(IEnumerable<Guid> ids, CancellationToken cancellationToken)
        where T : class
    {
        var streams = new List<IEventStream<T>>();
        foreach (var chunk in ids.Chunk(StreamsPerSession))
        {
            var batch = NewSession().CreateBatchQuery();
            var fetches = chunk.Select(id => batch.Events.FetchForWriting<T>(id)).ToList();
            await batch.Execute(cancellationToken);
            foreach (var fetch in fetches)
            {
                streams.Add(await fetch);
            }
        }

        return streams;
    }

    /// <summary>Sends every session's changes, in the order the sessions were opened, and commits them together.</summary>
    /// <remarks>
    /// Marten replays a save that PostgreSQL refused with a deadlock or serialization failure; in a
    /// transaction the group owns, the replay meets the already aborted transaction (25P02) and the cause
    /// is lost. Either way the whole group has to be decided again from fresh state: it fails as a
    /// conflict (<see cref="Conflicts.IsConflict"/>), which the callers' retries take up.
    /// </remarks>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var session in _sessions)
            {
                await session.SaveChangesAsync(cancellationToken);
            }

            await _transaction.CommitAsync(cancellationToken);
        }
        catch (Exception ex) when (!Conflicts.IsConflict(ex) && Aborted(ex))
        {
            throw new SessionGroupConflictException(ex);
        }
    }

    private static bool Aborted(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.InFailedSqlTransaction })
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            await session.DisposeAsync();
        }

        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}

/// <summary>A session group's transaction was aborted by a retryable failure (deadlock, serialization): decide again.</summary>
public sealed class SessionGroupConflictException(Exception inner)
    : Exception("the transaction of a session group was aborted by a concurrent writer; decide again from fresh state", inner);
