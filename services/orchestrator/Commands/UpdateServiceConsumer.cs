using System.Text.Json;
using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Domain.Services;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Commands;

/// <summary>Changes a service's spec; the new spec is validated as a whole before anything is written.</summary>
public sealed class UpdateServiceConsumer(IDocumentStore store, TimeProvider time, ILogger<UpdateServiceConsumer> logger) : IConsumer<UpdateService>
{
    public async Task Consume(ConsumeContext<UpdateService> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        var found = await context.FindServiceOrRejectAsync(store, logger, commandId, command.Service);
        if (found is null)
        {
            return;
        }

        if (command.Rollback)
        {
            await RollbackAsync(context, found, commandId);
            return;
        }

        if (command.Spec is { } replacement && replacement.Name != found.Name)
        {
            await context.RejectAsync(logger, commandId, "invalid", new ValidationError("spec.name", "a service's name cannot be changed"));
            return;
        }

        // decided on the service as it is when written (a concurrent update is not undone by merging
        // into the spec read before it), and refused when the client's view of it is out of date
        ValidationError? invalid = null;
        long? movedOn = null;
        var version = await Conflicts.RetryAsync(async _ =>
        {
            invalid = null;
            movedOn = null;
            await using var session = store.LightweightSession();
            session.Stamp(context.CorrelationId ?? commandId, commandId);
            var stream = await session.Events.FetchForWriting<Service>(found.Id, context.CancellationToken);
            var current = stream.Aggregate;
            if (current is null || current.Removed)
            {
                return -1;
            }

            if (command.ExpectedVersion is { } expected && expected != current.SpecVersion)
            {
                movedOn = current.SpecVersion;
                return -2;
            }

            var merged = ServiceUpdate.Merge(current.Spec, command) with { Name = current.Name };
            if (ServiceSpecValidator.Validate(merged) is { } error)
            {
                invalid = error;
                return -3;
            }

            merged = ServiceSpecValidator.Normalize(merged);

            if (JsonSerializer.Serialize(current.Spec) == JsonSerializer.Serialize(merged))
            {
                return current.SpecVersion;
            }

            stream.AppendOne(new ServiceUpdated
            {
                ServiceId = current.Id,
                Spec = merged,
                PreviousSpec = current.Spec,
                SpecVersion = current.SpecVersion + 1,
                UpdatedAt = time.GetUtcNow(),
            });
            await session.SaveChangesAsync(context.CancellationToken);
            return current.SpecVersion + 1;
        });

        if (invalid is not null)
        {
            await context.RejectAsync(logger, commandId, "invalid", invalid);
            return;
        }

        if (movedOn is { } now)
        {
            await context.RejectAsync(logger, commandId, "conflict", new ValidationError("version",
                $"service '{found.Name}' is at spec version {now}, not {command.ExpectedVersion}: it changed since it was read; read it again and retry"));
            return;
        }

        if (version < 0)
        {
            await context.RejectAsync(logger, commandId, "not-found", new ValidationError("service", $"no service '{command.Service}'"));
            return;
        }

        logger.LogInformation("service {Name} updated to spec version {Version}", found.Name, version);
        await context.AcceptAsync(commandId, found.Id, version);
    }

    /// <summary><c>service update --rollback</c>: back to the previous spec, replaced per the rollback config.</summary>
    private async Task RollbackAsync(ConsumeContext<UpdateService> context, Service found, Guid commandId)
    {
        var version = await Conflicts.RetryAsync(async _ =>
        {
            await using var session = store.LightweightSession();
            session.Stamp(context.CorrelationId ?? commandId, commandId);
            var stream = await session.Events.FetchForWriting<Service>(found.Id, context.CancellationToken);
            if (stream.Aggregate is not { Removed: false, PreviousSpec: { } previous } current)
            {
                return -1L;
            }

            stream.AppendOne(new ServiceRolledBack
            {
                ServiceId = current.Id,
                Spec = previous,
                PreviousSpec = current.Spec,
                SpecVersion = current.SpecVersion + 1,
                Manual = true,
                Reason = "rollback requested",
                At = time.GetUtcNow(),
            });
            await session.SaveChangesAsync(context.CancellationToken);
            return current.SpecVersion + 1;
        });

        if (version < 0)
        {
            await context.RejectAsync(logger, commandId, "invalid", new ValidationError("rollback", $"service '{found.Name}' has no previous spec to roll back to"));
            return;
        }

        logger.LogInformation("service {Name} rolled back to its previous spec (version {Version})", found.Name, version);
        await context.AcceptAsync(commandId, found.Id, version);
    }
}
