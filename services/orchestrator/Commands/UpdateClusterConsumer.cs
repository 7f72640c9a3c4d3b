using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Domain.Cluster;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Commands;

/// <summary>Changes cluster-wide settings (task history limit, node certificate lifetime); decided by <see cref="ClusterDecisions"/>.</summary>
public sealed class UpdateClusterConsumer(IDocumentStore store, TimeProvider time, ILogger<UpdateClusterConsumer> logger) : IConsumer<UpdateCluster>
{
    public async Task Consume(ConsumeContext<UpdateCluster> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        if (await context.AnsweredBeforeAsync(store, logger, commandId))
        {
            return;
        }

        // refused before the stream is read: an invalid setting writes nothing, not even the applied-command record
        if (ClusterDecisions.Validate(command) is { } invalid)
        {
            await context.RejectAsync(logger, commandId, "invalid", invalid);
            return;
        }

        var written = await store.WriteToAggregateAsync<ClusterSettings>(
            ClusterSettings.DefaultId,
            (settings, _, _) => Task.FromResult(ClusterDecisions.Update(settings, settings?.NodeCertExpirySeconds ?? 0, command, time.GetUtcNow())),
            context.AppliedOnce(commandId, (_, version) => (ClusterSettings.DefaultId, version), time),
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

        if (written.Decision.Events.OfType<ClusterUpdated>().SingleOrDefault() is { } updated)
        {
            logger.LogInformation("cluster settings: task history limit {Limit}, node certificate lifetime {Expiry} s", updated.TaskHistoryLimit, updated.NodeCertExpirySeconds);
        }

        await context.AcceptAsync(commandId, ClusterSettings.DefaultId, written.Version);
    }
}
