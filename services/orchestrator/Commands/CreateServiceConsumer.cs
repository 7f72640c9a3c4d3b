using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// Creates a service: validates, reserves the name and starts the service stream in one transaction.
/// The service id is derived from the command id, so a redelivered command is answered again
/// instead of creating a second service.
/// </summary>
public sealed class CreateServiceConsumer(IDocumentStore store, TimeProvider time, ILogger<CreateServiceConsumer> logger) : IConsumer<CreateService>
{
    public async Task Consume(ConsumeContext<CreateService> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        if (ServiceSpecValidator.Validate(command.Spec) is { } error)
        {
            await context.RejectAsync(logger, commandId, "invalid", error);
            return;
        }

        var spec = ServiceSpecValidator.Normalize(command.Spec);
        var serviceId = TaskIds.Derive($"service:{commandId:N}");
        try
        {
            await using var session = store.LightweightSession();
            session.Stamp(context.CorrelationId ?? commandId, commandId);
            session.Insert(new ServiceNameClaim { Id = spec.Name, ServiceId = serviceId });
            session.Events.StartStream<Service>(serviceId, new ServiceCreated { ServiceId = serviceId, Spec = spec, CreatedAt = time.GetUtcNow() });
            await session.SaveChangesAsync(context.CancellationToken);
            logger.LogInformation("service {Name} created as {ServiceId}", spec.Name, serviceId);
        }
        catch (Exception ex) when (Conflicts.IsConflict(ex))
        {
            await using var query = store.QuerySession();
            var claim = await query.LoadAsync<ServiceNameClaim>(spec.Name, context.CancellationToken);
            if (claim?.ServiceId != serviceId)
            {
                await context.RejectAsync(logger, commandId, "conflict", new ValidationError("spec.name", $"a service named '{spec.Name}' already exists"));
                return;
            }
        }

        await context.AcceptAsync(commandId, serviceId, 1);
    }
}
