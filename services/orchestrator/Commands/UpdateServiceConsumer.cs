using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Services;
using Swarm.EventStore;
using Swarm.EventStore.Secrets;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// Changes a service's spec (or rolls it back): decided by <see cref="ServiceDecisions"/> on the service
/// as it is when written, the new spec validated as a whole before anything is written. Applied once per
/// command id (<see cref="AppliedCommand"/>): a redelivered <c>--force</c> does not restart the tasks
/// again, a redelivered rollback does not flip back.
/// </summary>
public sealed class UpdateServiceConsumer(IDocumentStore store, TimeProvider time, ILogger<UpdateServiceConsumer> logger) : IConsumer<UpdateService>
{
    public async Task Consume(ConsumeContext<UpdateService> context)
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

        // the secrets and configs the new spec names must exist (a rollback's too: one may have been removed since)
        await using (var query = store.QuerySession())
        {
            var asked = command.Rollback ? found.PreviousSpec : ServiceUpdate.Merge(found.Spec, command);
            if (await SecretReferences.MissingAsync(query, asked, "spec", context.CancellationToken) is { } missing)
            {
                await context.RejectAsync(logger, commandId, new Rejection(Rejection.NotFound, missing));
                return;
            }
        }

        // the service the decision was made on: the answer's spec version is read from it
        Service? decidedOn = null;
        var written = await store.WriteToAggregateAsync<Service>(
            found.Id,
            async (current, session, ct) =>
            {
                decidedOn = current;
                if (command.Rollback)
                {
                    var previous = current?.PreviousSpec is { } p && ServiceDecisions.EndpointChanged(current.Spec, p)
                        ? await ServiceClusterView.ReadAsync(session, p, ct)
                        : null;
                    return ServiceDecisions.Rollback(current, command.Service, time.GetUtcNow(), previous?.CheckFor(found.Id));
                }

                // the cluster (networks, other services' ports) is read only when the update touches the endpoint
                var cluster = current is not null && command.Spec is { } asked && ServiceDecisions.EndpointChanged(current.Spec, asked)
                    ? await ServiceClusterView.ReadAsync(session, asked, ct)
                    : null;
                return ServiceDecisions.Update(current, command, time.GetUtcNow(), cluster?.CheckFor(found.Id));
            },
            context.AppliedOnce(commandId, (decision, _) => (found.Id, ServiceDecisions.SpecVersionAfter(decidedOn!, decision)), time),
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

        var version = ServiceDecisions.SpecVersionAfter(written.Aggregate!, written.Decision);
        if (command.Rollback)
        {
            logger.LogInformation("service {Name} rolled back to its previous spec (version {Version})", found.Name, version);
        }
        else
        {
            logger.LogInformation("service {Name} updated to spec version {Version}", found.Name, version);
        }

        await context.AcceptAsync(commandId, found.Id, version);
    }
}
