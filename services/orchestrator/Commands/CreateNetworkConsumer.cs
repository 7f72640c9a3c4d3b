using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Networks;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.EventStore.Queries;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// Creates a network: decided by <see cref="NetworkDecisions.Create"/> against the live networks (name
/// free, subnet overlapping none, or the next free one of the pool), the name reserved in the same
/// transaction. The network id is derived from the command id and the command is recorded as applied, so
/// a redelivered command is answered again instead of creating a second network.
/// </summary>
public sealed class CreateNetworkConsumer(IDocumentStore store, TimeProvider time, ILogger<CreateNetworkConsumer> logger) : IConsumer<CreateNetwork>
{
    public async Task Consume(ConsumeContext<CreateNetwork> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        if (await context.AnsweredBeforeAsync(store, logger, commandId))
        {
            return;
        }

        var networkId = TaskIds.Derive($"network:{commandId:N}");
        var name = command.Spec?.Name ?? "";
        var written = await store.WriteToAggregateAsync<Network>(
            networkId,
            async (current, session, ct) => NetworkDecisions.Create(current, networkId, command.Spec, await session.LiveNetworksAsync(ct), time.GetUtcNow()),
            context.AppliedOnce(commandId, (_, _) => (networkId, 1), time) with
            {
                // two creates of one name: the second insert conflicts, and its retry sees the first network
                Alongside = (session, _) => session.Insert(new NetworkNameClaim { Id = name, NetworkId = networkId }),
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

        if (written.Decision.Events.FirstOrDefault() is Swarm.Contracts.Events.NetworkCreated created)
        {
            logger.LogInformation("network {Name} created as {NetworkId} ({Subnet})", created.Name, networkId, created.Subnet);
        }

        await context.AcceptAsync(commandId, networkId, 1);
    }
}
