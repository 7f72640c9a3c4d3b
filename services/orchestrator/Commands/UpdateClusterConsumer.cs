using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Domain.Cluster;
using Swarm.Domain.Services;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Commands;

/// <summary>Changes cluster-wide settings (task history limit).</summary>
public sealed class UpdateClusterConsumer(IDocumentStore store, TimeProvider time, ILogger<UpdateClusterConsumer> logger) : IConsumer<UpdateCluster>
{
    public const int MaxTaskHistoryLimit = 1000;

    public async Task Consume(ConsumeContext<UpdateCluster> context)
    {
        var command = context.Message;
        var commandId = command.CommandId != Guid.Empty ? command.CommandId : context.MessageId ?? NewId.NextGuid();
        if (await context.AnsweredBeforeAsync(store, logger, commandId))
        {
            return;
        }

        if (command.TaskHistoryLimit is < 0 or > MaxTaskHistoryLimit)
        {
            await context.RejectAsync(logger, commandId, "invalid", new ValidationError("taskHistoryLimit", $"must be between 0 and {MaxTaskHistoryLimit}, got {command.TaskHistoryLimit}"));
            return;
        }

        var written = await store.WriteToAggregateAsync<ClusterSettings>(
            ClusterSettings.DefaultId,
            settings =>
            {
                var limit = command.TaskHistoryLimit ?? (settings ?? new ClusterSettings()).TaskHistoryLimit;
                return settings is not null && limit == settings.TaskHistoryLimit
                    ? Decision.Unchanged
                    : Decision.Append(new ClusterUpdated { ClusterId = ClusterSettings.DefaultId, TaskHistoryLimit = limit, At = time.GetUtcNow() });
            },
            context.AppliedOnce(commandId, (_, version) => (ClusterSettings.DefaultId, version), time),
            context.CancellationToken);

        if (written.Replayed is { } replayed)
        {
            await context.ReplayAsync(logger, replayed);
            return;
        }

        logger.LogInformation("cluster settings: task history limit {Limit}", command.TaskHistoryLimit);
        await context.AcceptAsync(commandId, ClusterSettings.DefaultId, written.Version);
    }
}
