using Marten;
using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;

namespace Swarm.Orchestrator.Replicated;

/// <summary>When a node goes down, every service with a live task on it is reconciled (its tasks move).</summary>
public sealed class NodeStatusChangedConsumer(IDocumentStore store, ServiceReconciliation reconciliation) : IConsumer<NodeStatusChanged>
{
    public async Task Consume(ConsumeContext<NodeStatusChanged> context)
    {
        if (context.Message.Status != NodeStatus.Down)
        {
            return;
        }

        List<Guid> services;
        await using (var query = store.QuerySession())
        {
            var nodeId = context.Message.NodeId;
            var tasks = await query.Query<SwarmTask>().Where(t => t.NodeId == nodeId).ToListAsync(context.CancellationToken);
            services = tasks.Where(t => !t.IsTerminal && t.DesiredState <= DesiredState.Running).Select(t => t.ServiceId).Distinct().ToList();
        }

        foreach (var serviceId in services)
        {
            await reconciliation.ReconcileAsync(serviceId, context.CancellationToken);
        }
    }
}
