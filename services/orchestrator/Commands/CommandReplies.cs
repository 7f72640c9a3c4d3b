using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Services;
using Swarm.EventStore;
using Swarm.EventStore.Queries;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// Answers a command: to the requester when it asked for an answer, otherwise a rejection is
/// published as an event (so a plain AMQP sender can still see why its command was refused).
/// </summary>
public static class CommandReplies
{
    public static async Task AcceptAsync<T>(this ConsumeContext<T> context, Guid commandId, Guid id, long version) where T : class
    {
        if (context.ResponseAddress is not null)
        {
            await context.RespondAsync(new CommandAccepted { CommandId = commandId, Id = id, Version = version });
        }
    }

    /// <summary>
    /// Answers a command that was applied before (see <see cref="AppliedCommand"/>) as it was answered
    /// then; returns whether it was. Checked before the command's names are looked up: a repeated
    /// remove must not be told its service no longer exists.
    /// </summary>
    public static async Task<bool> AnsweredBeforeAsync<T>(this ConsumeContext<T> context, Marten.IDocumentStore store, ILogger logger, Guid commandId) where T : class
    {
        AppliedCommand? applied;
        await using (var query = store.QuerySession())
        {
            applied = await query.LoadAsync<AppliedCommand>(commandId, context.CancellationToken);
        }

        if (applied is null)
        {
            return false;
        }

        await context.ReplayAsync(logger, applied);
        return true;
    }

    /// <summary>Answers again, from its record, a command that was applied before.</summary>
    public static async Task ReplayAsync<T>(this ConsumeContext<T> context, ILogger logger, AppliedCommand applied) where T : class
    {
        logger.LogInformation("{Command} {CommandId} was applied before: answered again, nothing decided", applied.Command, applied.Id);
        await context.AcceptAsync(applied.Id, applied.AggregateId, applied.Version);
    }

    /// <summary>
    /// The write options of a command that is applied once whatever its deliveries: stamped with its
    /// correlation and id, and recorded as applied with the answer <paramref name="answer"/> gives (its id
    /// and version, from the decision and the stream's version after it).
    /// </summary>
    public static AggregateWriteOptions AppliedOnce<T>(this ConsumeContext<T> context, Guid commandId, Func<Decision, long, (Guid Id, long Version)> answer, TimeProvider time) where T : class =>
        AggregateWriteOptions.ForCommand(context.CorrelationId, commandId) with
        {
            RecordCommand = (decision, version) =>
            {
                var (id, answered) = answer(decision, version);
                return new AppliedCommand { Id = commandId, Command = typeof(T).Name, AggregateId = id, Version = answered, At = time.GetUtcNow() };
            },
        };

    /// <summary>
    /// The service a command names (see <see cref="ServiceLookup"/>), or null after answering <c>not-found</c>
    /// or, for a prefix that matches several services, <c>invalid</c>, as the control API does.
    /// </summary>
    public static async Task<Swarm.Domain.Services.Service?> FindServiceOrRejectAsync<T>(this ConsumeContext<T> context, Marten.IDocumentStore store, ILogger logger, Guid commandId, string reference) where T : class
    {
        await using var query = store.QuerySession();
        var found = await query.FindServiceAsync(reference, context.CancellationToken);
        if (found.Rejection is { } rejection)
        {
            await context.RejectAsync(logger, commandId, rejection);
        }

        return found.Value;
    }

    /// <summary>
    /// The node a command names (see <see cref="Lookup"/>; removed nodes are not found), or null after answering
    /// <c>not-found</c> or, for a hostname or prefix that matches several nodes, <c>invalid</c>.
    /// </summary>
    public static async Task<Swarm.Domain.Nodes.Node?> FindNodeOrRejectAsync<T>(this ConsumeContext<T> context, Marten.IDocumentStore store, ILogger logger, Guid commandId, string reference) where T : class
    {
        await using var query = store.QuerySession();
        var found = await Lookup.FindNodeAsync(query, reference, context.CancellationToken);
        if (found.Rejection is { } rejection)
        {
            await context.RejectAsync(logger, commandId, rejection);
        }

        return found.Value;
    }

    public static Task RejectAsync<T>(this ConsumeContext<T> context, ILogger logger, Guid commandId, Rejection rejection) where T : class =>
        context.RejectAsync(logger, commandId, rejection.Code, rejection.Error);

    public static async Task RejectAsync<T>(this ConsumeContext<T> context, ILogger logger, Guid commandId, string code, ValidationError error) where T : class
    {
        var rejected = new CommandRejected
        {
            CommandId = commandId,
            Command = typeof(T).Name,
            Code = code,
            Field = error.Field,
            Reason = error.Reason,
        };
        logger.LogInformation("{Command} {CommandId} rejected ({Code}): {Field}: {Reason}", rejected.Command, commandId, code, error.Field, error.Reason);
        if (context.ResponseAddress is not null)
        {
            await context.RespondAsync(rejected);
        }
        else
        {
            await context.Publish(rejected);
        }
    }
}
