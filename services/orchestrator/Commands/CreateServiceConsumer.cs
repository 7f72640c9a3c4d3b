using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.EventStore.Secrets;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// Creates a service: validates, reserves the name and starts the service stream in one transaction.
/// The service id is derived from the command id, and the command is recorded as applied with the
/// service (<see cref="AppliedCommand"/>), so a redelivered command is answered again instead of
/// creating a second service, even after the first was removed.
/// </summary>
public sealed class CreateServiceConsumer(IDocumentStore store, TimeProvider time, ILogger<CreateServiceConsumer> logger) : IConsumer<CreateService>
{
    public async Task Consume(ConsumeContext<CreateService> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        if (await context.AnsweredBeforeAsync(store, logger, commandId))
        {
            return;
        }

        var serviceId = TaskIds.Derive($"service:{commandId:N}");
        var name = command.Spec?.Name ?? "";
        var written = await store.WriteToAggregateAsync<Service>(
            serviceId,
            async (current, session, ct) =>
            {
                var valid = ServiceSpecValidator.Validate(command.Spec) is null;
                var claim = valid ? await session.LoadAsync<ServiceNameClaim>(name, ct) : null;
                // an invalid spec or a taken name is the decider's to answer; whether the secrets and configs exist is not in its view
                if (valid && current is null && claim is null && await SecretReferences.MissingAsync(session, command.Spec, "spec", ct) is { } missing)
                {
                    return Decision.NotFound(missing.Field, missing.Reason);
                }

                var cluster = valid && current is null ? await ServiceClusterView.ReadAsync(session, command.Spec!, ct) : null;
                return ServiceDecisions.Create(current, serviceId, command.Spec, claim?.ServiceId, time.GetUtcNow(), cluster?.CheckFor(null));
            },
            context.AppliedOnce(commandId, (_, _) => (serviceId, 1), time) with
            {
                Alongside = (session, _) => session.Insert(new ServiceNameClaim { Id = name, ServiceId = serviceId }),
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

        if (written.Decision.Events.Count > 0)
        {
            logger.LogInformation("service {Name} created as {ServiceId}", name, serviceId);
        }

        await context.AcceptAsync(commandId, serviceId, 1);
    }
}
