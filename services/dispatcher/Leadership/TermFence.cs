using Marten;
using Npgsql;
using Swarm.Contracts.Events;
using Swarm.EventStore;
using Swarm.EventStore.Projections;

namespace Swarm.Dispatcher.Leadership;

/// <summary>
/// Fences the dispatcher's writes by leadership term. Every write joins, in its own transaction, the
/// leadership stream (<see cref="DispatcherTermStarted.StreamId"/>): a write under a term newer than
/// the recorded one appends <see cref="DispatcherTermStarted"/> (Marten's expected-version check
/// settles two writers racing to record terms); a write under the recorded term holds a share lock
/// on the stream's row until it commits and fails unless the stream is still at the version it read.
/// So a write from an older term either commits before the newer term is recorded or not at
/// all, and every write names its term in the <see cref="TermHeader"/> event header.
/// </summary>
public sealed class TermFence : IWriteFence
{
    public const string TermHeader = "dispatcher-term";
    private const string FencedMarker = "dispatcher term fenced at leadership version";

    private readonly LeadershipState _state;
    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;

    public TermFence(LeadershipState state, IDocumentStore store, TimeProvider time)
    {
        _state = state;
        _store = store;
        _time = time;
    }

    /// <summary>The newest term recorded in the log (0 when none is).</summary>
    public async Task<long> RecordedTermAsync(CancellationToken cancellationToken)
    {
        await using var query = _store.QuerySession();
        var leadership = await query.LoadAsync<DispatcherLeadership>(DispatcherTermStarted.StreamId, cancellationToken);
        return leadership?.Term ?? 0;
    }

    /// <summary>Records <paramref name="term"/> as the newest leadership term; throws <see cref="FencedWriteException"/> when a newer one is.</summary>
    public Task ClaimAsync(long term, CancellationToken cancellationToken) =>
        Conflicts.RetryAsync(async _ =>
        {
            await using var session = _store.LightweightSession();
            session.Stamp();
            await GuardAsync(session, term, cancellationToken);
            await SaveChangesAsync(session, term, cancellationToken);
            return true;
        }, 8, cancellationToken);

    /// <summary>Joins the session to the fence under the current leadership term.</summary>
    public Task<long> GuardAsync(IDocumentSession session, CancellationToken cancellationToken)
    {
        var lease = _state.CurrentLease ?? throw new NotLeaderException();
        return GuardAsync(session, lease.Term, cancellationToken);
    }

    /// <summary>Guards a write under the current leadership term; it commits through the fence.</summary>
    async Task<Func<CancellationToken, Task>> IWriteFence.JoinAsync(IDocumentSession session, CancellationToken cancellationToken)
    {
        var term = await GuardAsync(session, cancellationToken);
        return ct => SaveChangesAsync(session, term, ct);
    }

    private async Task<long> GuardAsync(IDocumentSession session, long term, CancellationToken cancellationToken)
    {
        session.SetHeader(TermHeader, term);
        var stream = await session.Events.FetchForWriting<DispatcherLeadership>(DispatcherTermStarted.StreamId, cancellationToken);
        var recorded = stream.Aggregate?.Term ?? 0;
        if (recorded > term)
        {
            throw new FencedWriteException(term, recorded);
        }

        if (recorded < term)
        {
            stream.AppendOne(new DispatcherTermStarted { Term = term, ReplicaId = _state.ReplicaId, At = _time.GetUtcNow() });
        }
        else
        {
            // the cast fails (and with it the transaction) unless the stream is where it was read
            var schema = _store.Options.Events.DatabaseSchemaName;
            session.QueueSqlCommand(
                $"select case when version = ? then 0 else ('{FencedMarker} ' || version)::int end from {schema}.mt_streams where id = ? for share",
                stream.CurrentVersion ?? 0,
                DispatcherTermStarted.StreamId);
        }

        return term;
    }

    /// <summary>Commits a fenced session; a commit refused by the fence throws <see cref="FencedWriteException"/>.</summary>
    public static async Task SaveChangesAsync(IDocumentSession session, long term, CancellationToken cancellationToken)
    {
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (IsFenced(ex))
        {
            throw new FencedWriteException(term, null, ex);
        }
    }

    /// <summary>Commits a session guarded under the current lease.</summary>
    public Task SaveChangesAsync(IDocumentSession session, CancellationToken cancellationToken) =>
        SaveChangesAsync(session, _state.CurrentLease?.Term ?? 0, cancellationToken);

    private static bool IsFenced(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.InvalidTextRepresentation } pg && pg.MessageText.Contains(FencedMarker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>This replica does not lead (any more): the operation belongs to the leader.</summary>
public class NotLeaderException(string? message = null, Exception? inner = null)
    : Exception(message ?? "this dispatcher replica is not the leader", inner);

/// <summary>The log has recorded a newer leadership term than the one the write was made under.</summary>
public sealed class FencedWriteException(long term, long? recorded, Exception? inner = null)
    : NotLeaderException($"write under dispatcher term {term} refused: the log has a newer term{(recorded is { } r ? $" ({r})" : "")}", inner)
{
    public long Term { get; } = term;
}
