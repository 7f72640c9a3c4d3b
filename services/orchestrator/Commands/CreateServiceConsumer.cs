using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
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
        var serviceId = TaskIds.Derive($"service:{commandId:N}");
        var name = command.Spec?.Name ?? "";
        var written = await store.WriteToAggregateAsync<Service>(
            serviceId,
            async (current, session, ct) =>
            {
                var claim = ServiceSpecValidator.Validate(command.Spec) is null ? await session.LoadAsync<ServiceNameClaim>(name, ct) : null;
                return ServiceDecisions.Create(current, serviceId, command.Spec, claim?.ServiceId, time.GetUtcNow());
            },
            AggregateWriteOptions.ForCommand(context.CorrelationId, commandId) with
            {
                Alongside = (session, _) => session.Insert(new ServiceNameClaim { Id = name, ServiceId = serviceId }),
            },
            context.CancellationToken);

        if (written.Decision.Rejected is { } rejected)
        {
            await context.RejectAsync(logger, commandId, rejected);
            return;
        }

        if (written.Decision.Events.Count > 0)
        {
            logger.LogInformation("service {Name} created as {ServiceId}", name, serviceId);
        }

        await context.AcceptAsync(commandId, serviceId, 1);
    }
}
