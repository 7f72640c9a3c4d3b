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
        if (command.TaskHistoryLimit is < 0 or > MaxTaskHistoryLimit)
        {
            await context.RejectAsync(logger, commandId, "invalid", new ValidationError("taskHistoryLimit", $"must be between 0 and {MaxTaskHistoryLimit}, got {command.TaskHistoryLimit}"));
            return;
        }

        var version = await Conflicts.RetryAsync(async _ =>
        {
            await using var session = store.LightweightSession();
            session.Stamp(context.CorrelationId ?? commandId, commandId);
            var stream = await session.Events.FetchForWriting<ClusterSettings>(ClusterSettings.DefaultId, context.CancellationToken);
            var current = stream.Aggregate ?? new ClusterSettings();
            var limit = command.TaskHistoryLimit ?? current.TaskHistoryLimit;
            if (stream.Aggregate is not null && limit == current.TaskHistoryLimit)
            {
                return stream.CurrentVersion ?? 0;
            }

            stream.AppendOne(new ClusterUpdated { ClusterId = ClusterSettings.DefaultId, TaskHistoryLimit = limit, At = time.GetUtcNow() });
            await session.SaveChangesAsync(context.CancellationToken);
            return (stream.CurrentVersion ?? 0) + 1;
        });

        logger.LogInformation("cluster settings: task history limit {Limit}", command.TaskHistoryLimit);
        await context.AcceptAsync(commandId, ClusterSettings.DefaultId, version);
    }
}
