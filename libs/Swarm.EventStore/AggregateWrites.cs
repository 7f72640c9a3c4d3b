using Marten;
using Swarm.Domain.Services;

namespace Swarm.EventStore;

/// <summary>
/// Takes part in a write's transaction: joins the session before the stream is read (and may append
/// to streams of its own, as a leadership fence does), and commits it.
/// </summary>
public interface IWriteFence
{
    /// <summary>Joins <paramref name="session"/>; returns how to commit it.</summary>
    Task<Func<CancellationToken, Task>> JoinAsync(IDocumentSession session, CancellationToken cancellationToken);
}

/// <summary>How <see cref="AggregateWrites.WriteToAggregateAsync{T}"/> stamps, retries and commits a write.</summary>
public sealed record AggregateWriteOptions
{
    public static readonly AggregateWriteOptions Default = new();

    /// <summary>Stamped on the appended events (see <see cref="TraceContext.Stamp"/>).</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>Stamped on the appended events: the command that caused them.</summary>
    public Guid? CausationId { get; init; }

    /// <summary>Attempts in all, the first included, before a conflict is thrown.</summary>
    public int Attempts { get; init; } = 8;

    /// <summary>A fence the write joins, if any.</summary>
    public IWriteFence? Fence { get; init; }

    /// <summary>
    /// Other changes committed with the events when there are any (documents kept beside the stream,
    /// such as a service's name claim).
    /// </summary>
    public Action<IDocumentSession, Decision>? Alongside { get; init; }

    /// <summary>
    /// Makes the write idempotent by command: when set, the command <see cref="CausationId"/> is looked
    /// up among the <see cref="AppliedCommand"/>s in the write's session before anything is decided, and
    /// a command applied before is not decided again (<see cref="AggregateWrite{T}.Replayed"/> holds how
    /// it was answered). Otherwise, unless the decision is a rejection, the record this returns (given the
    /// decision and the stream's version after it) is committed with the events, or alone when there are
    /// none.
    /// </summary>
    public Func<Decision, long, AppliedCommand>? RecordCommand { get; init; }

    /// <summary>Options for the write a command causes: stamped with its correlation and its id.</summary>
    public static AggregateWriteOptions ForCommand(Guid? correlationId, Guid commandId) =>
        new() { CorrelationId = correlationId ?? commandId, CausationId = commandId };
}

/// <summary>What a write decided, on which state, and the stream's version after it.</summary>
/// <param name="Aggregate">The aggregate the decision was made on (null when the stream did not exist).</param>
/// <param name="Version">The stream's version after the write (unchanged when nothing was appended).</param>
public sealed record AggregateWrite<T>(T? Aggregate, long Version, Decision Decision) where T : class
{
    /// <summary>
    /// The command was applied before (see <see cref="AggregateWriteOptions.RecordCommand"/>): nothing was
    /// decided, and this is how it was answered then.
    /// </summary>
    public AppliedCommand? Replayed { get; init; }
}

/// <summary>
/// One decision on one stream, written the way the log wants it (in the spirit of Marten's
/// <c>WriteToAggregate</c>): the stream is fetched for writing, the decider runs on it, its events are
/// appended with the fetched version as the expected one, the session is stamped with causation,
/// correlation and trace context, and a conflict at commit decides again from fresh state.
/// </summary>
public static class AggregateWrites
{
    public static Task<AggregateWrite<T>> WriteToAggregateAsync<T>(this IDocumentStore store, Guid id, Func<T?, Decision> decide, AggregateWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class =>
        store.WriteToAggregateAsync<T>(id, (aggregate, _, _) => Task.FromResult(decide(aggregate)), options, cancellationToken);

    /// <summary>
    /// As above, with a decider that reads more of the store in the same session (on every attempt, so
    /// a retry decides on fresh state of that too).
    /// </summary>
    public static async Task<AggregateWrite<T>> WriteToAggregateAsync<T>(this IDocumentStore store, Guid id, Func<T?, IQuerySession, CancellationToken, Task<Decision>> decide, AggregateWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        options ??= AggregateWriteOptions.Default;
        return await Conflicts.RetryAsync(async _ =>
        {
            await using var session = store.LightweightSession();
            session.Stamp(options.CorrelationId, options.CausationId);
            var commit = options.Fence is { } fence ? await fence.JoinAsync(session, cancellationToken) : null;
            var stream = await session.Events.FetchForWriting<T>(id, cancellationToken);
            var version = stream.CurrentVersion ?? 0;
            var record = options.CausationId is not null ? options.RecordCommand : null;
            if (record is not null && await session.LoadAsync<AppliedCommand>(options.CausationId!.Value, cancellationToken) is { } applied)
            {
                return new AggregateWrite<T>(stream.Aggregate, version, Decision.Unchanged) { Replayed = applied };
            }

            var decision = await decide(stream.Aggregate, session, cancellationToken);
            if (decision.IsRejected || (decision.Events.Count == 0 && record is null))
            {
                return new AggregateWrite<T>(stream.Aggregate, version, decision);
            }

            if (decision.Events.Count > 0)
            {
                stream.AppendMany(decision.Events);
                options.Alongside?.Invoke(session, decision);
            }

            // inserted, not upserted: two deliveries of one command racing make one of them conflict,
            // and its retry finds the other's record
            if (record is not null)
            {
                session.Insert(record(decision, version + decision.Events.Count));
            }

            if (commit is not null)
            {
                await commit(cancellationToken);
            }
            else
            {
                await session.SaveChangesAsync(cancellationToken);
            }

            return new AggregateWrite<T>(stream.Aggregate, version + decision.Events.Count, decision);
        }, options.Attempts, cancellationToken);
    }
}
