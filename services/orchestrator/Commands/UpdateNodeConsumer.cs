using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Nodes;
using Swarm.Domain.Services;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Commands;

/// <summary>Changes a node's availability or operator labels.</summary>
public sealed class UpdateNodeConsumer(IDocumentStore store, TimeProvider time, ILogger<UpdateNodeConsumer> logger) : IConsumer<UpdateNode>
{
    public async Task Consume(ConsumeContext<UpdateNode> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        if (await context.AnsweredBeforeAsync(store, logger, commandId))
        {
            return;
        }

        if (command.LabelAdd?.Keys.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
        {
            await context.RejectAsync(logger, commandId, "invalid", new ValidationError("labelAdd", "label keys must not be empty"));
            return;
        }

        var found = await context.FindNodeOrRejectAsync(store, logger, commandId, command.Node);
        if (found is null)
        {
            return;
        }

        var written = await store.WriteToAggregateAsync<Node>(
            found.Id,
            node => node is null or { Removed: true }
                ? Decision.NotFound("node", $"no node '{command.Node}'")
                : Decision.Of(NodeDecisions.UpdateSpec(node, command.Availability, command.LabelAdd, command.LabelRemove, time.GetUtcNow())),
            context.AppliedOnce(commandId, (_, version) => (found.Id, version), time),
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

        await context.AcceptAsync(commandId, found.Id, written.Version);
    }
}
