using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Services;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Commands;

/// <summary>Removes a service and frees its name; reconciliation then removes its tasks.</summary>
public sealed class RemoveServiceConsumer(IDocumentStore store, TimeProvider time, ILogger<RemoveServiceConsumer> logger) : IConsumer<RemoveService>
{
    public async Task Consume(ConsumeContext<RemoveService> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        var found = await context.FindServiceOrRejectAsync(store, logger, commandId, command.Service);
        if (found is null)
        {
            return;
        }

        var written = await store.WriteToAggregateAsync<Service>(
            found.Id,
            current => ServiceDecisions.Remove(current, command.Service, time.GetUtcNow()),
            AggregateWriteOptions.ForCommand(context.CorrelationId, commandId) with
            {
                Alongside = (session, _) => session.Delete<ServiceNameClaim>(found.Name),
            },
            context.CancellationToken);

        if (written.Decision.Rejected is { } rejected)
        {
            await context.RejectAsync(logger, commandId, rejected);
            return;
        }

        logger.LogInformation("service {Name} removed", found.Name);
        await context.AcceptAsync(commandId, found.Id, 0);
    }
}
