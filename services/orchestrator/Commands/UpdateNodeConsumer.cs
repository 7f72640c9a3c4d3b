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

        Node? found;
        await using (var query = store.QuerySession())
        {
            found = await Lookup.NodeAsync(query, command.Node, context.CancellationToken);
        }

        if (found is null)
        {
            await context.RejectAsync(logger, commandId, "not-found", new ValidationError("node", $"no node '{command.Node}'"));
            return;
        }

        var written = await store.WriteToAggregateAsync<Node>(
            found.Id,
            node => Decision.Of(NodeDecisions.UpdateSpec(node!, command.Availability, command.LabelAdd, command.LabelRemove, time.GetUtcNow())),
            context.AppliedOnce(commandId, (_, version) => (found.Id, version), time),
            context.CancellationToken);

        if (written.Replayed is { } replayed)
        {
            await context.ReplayAsync(logger, replayed);
            return;
        }

        await context.AcceptAsync(commandId, found.Id, written.Version);
    }
}
