using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
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

        var removed = await Conflicts.RetryAsync(async _ =>
        {
            await using var session = store.LightweightSession();
            session.Stamp(context.CorrelationId ?? commandId, commandId);
            var stream = await session.Events.FetchForWriting<Service>(found.Id, context.CancellationToken);
            if (stream.Aggregate is not { Removed: false } current)
            {
                return false;
            }

            stream.AppendOne(new ServiceRemoved { ServiceId = current.Id, Name = current.Name, RemovedAt = time.GetUtcNow() });
            session.Delete<ServiceNameClaim>(current.Name);
            await session.SaveChangesAsync(context.CancellationToken);
            return true;
        });

        if (!removed)
        {
            await context.RejectAsync(logger, commandId, "not-found", new ValidationError("service", $"no service '{command.Service}'"));
            return;
        }

        logger.LogInformation("service {Name} removed", found.Name);
        await context.AcceptAsync(commandId, found.Id, 0);
    }
}
