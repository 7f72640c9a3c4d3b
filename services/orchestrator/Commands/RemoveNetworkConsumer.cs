using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Networks;
using Swarm.EventStore;
using Swarm.EventStore.Queries;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// Removes a network, refused while a live service attaches it (naming the services) and always for
/// <c>ingress</c> (see <see cref="NetworkDecisions.Remove"/>); its name is freed in the same transaction.
/// A remove delivered again is answered as the first was.
/// </summary>
public sealed class RemoveNetworkConsumer(IDocumentStore store, TimeProvider time, ILogger<RemoveNetworkConsumer> logger) : IConsumer<RemoveNetwork>
{
    public async Task Consume(ConsumeContext<RemoveNetwork> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        if (await context.AnsweredBeforeAsync(store, logger, commandId))
        {
            return;
        }

        Network? found;
        await using (var query = store.QuerySession())
        {
            var lookup = await query.FindNetworkAsync(command.Network, context.CancellationToken);
            if (lookup.Rejection is { } rejection)
            {
                await context.RejectAsync(logger, commandId, rejection);
                return;
            }

            found = lookup.Value!;
        }

        var written = await store.WriteToAggregateAsync<Network>(
            found.Id,
            async (current, session, ct) => NetworkDecisions.Remove(current, command.Network, current is null ? [] : await session.ServicesUsingAsync(current, ct), time.GetUtcNow()),
            context.AppliedOnce(commandId, (_, _) => (found.Id, 0), time) with
            {
                Alongside = (session, _) => session.Delete<NetworkNameClaim>(found.Name),
            },
            context.CancellationToken);

        if (written.Replayed is { } replayed)
        {
            await context.ReplayAsync(logger, replayed);
            return;
        }

        if (written.Decision.Rejected is { } rejected)
        {
            await context.RejectAsync(logger, commandId, rejected);
            return;
        }

        logger.LogInformation("network {Name} removed", found.Name);
        await context.AcceptAsync(commandId, found.Id, 0);
    }
}
