using Marten;
using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Domain.Services;

namespace Swarm.Orchestrator.Replicated;

/// <summary>A new task history limit applies to every service at once.</summary>
public sealed class ClusterUpdatedConsumer(IDocumentStore store, ServiceReconciliation reconciliation) : IConsumer<ClusterUpdated>
{
    public async Task Consume(ConsumeContext<ClusterUpdated> context)
    {
        List<Guid> ids;
        await using (var query = store.QuerySession())
        {
            ids = (await query.Query<Service>().ToListAsync(context.CancellationToken)).Select(s => s.Id).ToList();
        }

        foreach (var id in ids)
        {
            await reconciliation.ReconcileAsync(id, context.CancellationToken);
        }
    }
}
