using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Services;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// Removes a service and frees its name; reconciliation then removes its tasks. A remove delivered again
/// is answered as the first was (<see cref="AppliedCommand"/>), not with "not found".
/// </summary>
public sealed class RemoveServiceConsumer(IDocumentStore store, TimeProvider time, ILogger<RemoveServiceConsumer> logger) : IConsumer<RemoveService>
{
    public async Task Consume(ConsumeContext<RemoveService> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        if (await context.AnsweredBeforeAsync(store, logger, commandId))
        {
            return;
        }

        var found = await context.FindServiceOrRejectAsync(store, logger, commandId, command.Service);
        if (found is null)
        {
            return;
        }

        var written = await store.WriteToAggregateAsync<Service>(
            found.Id,
            current => ServiceDecisions.Remove(current, command.Service, time.GetUtcNow()),
            context.AppliedOnce(commandId, (_, _) => (found.Id, 0), time) with
            {
                Alongside = (session, _) => session.Delete<ServiceNameClaim>(found.Name),
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

        logger.LogInformation("service {Name} removed", found.Name);
        await context.AcceptAsync(commandId, found.Id, 0);
    }
}
