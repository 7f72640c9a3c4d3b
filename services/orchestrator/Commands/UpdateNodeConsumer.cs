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
            AggregateWriteOptions.ForCommand(context.CorrelationId, commandId),
            context.CancellationToken);

        await context.AcceptAsync(commandId, found.Id, written.Version);
    }
}
