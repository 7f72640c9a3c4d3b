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

        var version = await Conflicts.RetryAsync(async _ =>
        {
            await using var session = store.LightweightSession();
            session.Stamp(context.CorrelationId ?? commandId, commandId);
            var stream = await session.Events.FetchForWriting<Node>(found.Id, context.CancellationToken);
            var change = NodeDecisions.UpdateSpec(stream.Aggregate!, command.Availability, command.LabelAdd, command.LabelRemove, time.GetUtcNow());
            if (change is null)
            {
                return stream.CurrentVersion ?? 0;
            }

            stream.AppendOne(change);
            await session.SaveChangesAsync(context.CancellationToken);
            return (stream.CurrentVersion ?? 0) + 1;
        });

        await context.AcceptAsync(commandId, found.Id, version);
    }
}
