using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Services;
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
