using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Domain.Nodes;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Commands;

/// <summary>
/// Removes a node from the cluster (<c>node rm [--force]</c>), as decided by <see cref="NodeDecisions.Remove"/>:
/// a ready node only with force. The dispatchers revoke its certificate and close its session on the
/// <c>NodeRemoved</c>; the orchestrator moves its tasks (<see cref="Consumers.NodeRemovedConsumer"/>). A remove
/// delivered again is answered as the first was; a new remove of a removed node is not found.
/// </summary>
public sealed class RemoveNodeConsumer(IDocumentStore store, TimeProvider time, ILogger<RemoveNodeConsumer> logger) : IConsumer<RemoveNode>
{
    public async Task Consume(ConsumeContext<RemoveNode> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        if (await context.AnsweredBeforeAsync(store, logger, commandId))
        {
            return;
        }

        var found = await context.FindNodeOrRejectAsync(store, logger, commandId, command.Node);
        if (found is null)
        {
            return;
        }

        var written = await store.WriteToAggregateAsync<Node>(
            found.Id,
            node => NodeDecisions.Remove(node, command.Node, command.Force, time.GetUtcNow()),
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

        logger.LogInformation("node {Hostname} ({NodeId}) removed{Forced}", found.Hostname, found.Id, command.Force ? " (forced)" : "");
        await context.AcceptAsync(commandId, found.Id, written.Version);
    }
}
