using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Dispatcher.Leadership;
using Swarm.Domain.Nodes;
using Swarm.Domain.Services;
using Swarm.EventStore;

namespace Swarm.Dispatcher.Nodes;

/// <summary>An agent's registration: its node, what it said about itself and the client certificate it registered with.</summary>
public sealed record NodeRegistration(Guid NodeId, NodeDescription Description, NodeCertificateInfo? Certificate = null);

/// <summary>
/// Writes what the dispatcher decides about nodes: registrations and status changes, each fenced by
/// the leadership term it was decided under (<see cref="TermFence"/>).
/// </summary>
public sealed class NodeStatusWriter
{
    private const int MaxAttempts = 5;

    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly TermFence _fence;

    public NodeStatusWriter(IDocumentStore store, TimeProvider time, TermFence fence)
    {
        _store = store;
        _time = time;
        _fence = fence;
    }

    /// <summary>Records the agent's description (and certificate) and marks the node ready (if it is not already).</summary>
    public Task RegisterAsync(Guid nodeId, NodeDescription description, NodeCertificateInfo? certificate, CancellationToken cancellationToken) =>
        RegisterManyAsync([new NodeRegistration(nodeId, description, certificate)], cancellationToken);

    /// <summary>Registers several nodes in one transaction (<see cref="RegistrationBatcher"/> gathers them).</summary>
    public Task<IReadOnlyList<bool>> RegisterManyAsync(IReadOnlyList<NodeRegistration> registrations, CancellationToken cancellationToken) =>
        Conflicts.RetryAsync<IReadOnlyList<bool>>(async _ =>
        {
            await using var session = _store.LightweightSession();
            session.Stamp();
            var term = await _fence.GuardAsync(session, cancellationToken);
            var batch = session.CreateBatchQuery();
            var fetches = registrations.Select(r => r.NodeId).Distinct().ToDictionary(id => id, id => batch.Events.FetchForWriting<Node>(id));
            await batch.Execute(cancellationToken);

            var now = _time.GetUtcNow();
            foreach (var group in registrations.GroupBy(r => r.NodeId))
            {
                var stream = await fetches[group.Key];
                var node = stream.Aggregate;
                foreach (var registration in group)
                {
                    var registered = new NodeRegistered { NodeId = registration.NodeId, Description = registration.Description, Certificate = registration.Certificate, At = now };
                    stream.AppendOne(registered);
                    node = node is { } existing ? existing.Apply(registered) : Node.Create(registered);
                    if (NodeDecisions.ChangeStatus(node, registration.NodeId, NodeStatus.Ready, "node registered", now) is { } ready)
                    {
                        stream.AppendOne(ready);
                        node = node.Apply(ready);
                    }
                }
            }

            await TermFence.SaveChangesAsync(session, term, cancellationToken);
            return registrations.Select(_ => true).ToList();
        }, MaxAttempts, cancellationToken);

    /// <summary>
    /// Marks the node down unless <paramref name="stillDown"/> says otherwise when the decision is
    /// made (it re-checks on every retry, so a node that reconnected meanwhile stays ready).
    /// Returns whether an event was written.
    /// </summary>
    public async Task<bool> MarkDownAsync(Guid nodeId, string message, Func<bool> stillDown, CancellationToken cancellationToken)
    {
        if (!stillDown())
        {
            return false;
        }

        var written = await _store.WriteToAggregateAsync<Node>(
            nodeId,
            node => node is null || !stillDown()
                ? Decision.Unchanged
                : Decision.Of(NodeDecisions.ChangeStatus(node, nodeId, NodeStatus.Down, message, _time.GetUtcNow())),
            new AggregateWriteOptions { Fence = _fence, Attempts = MaxAttempts },
            cancellationToken);
        return written.Decision.Events.Count > 0;
    }
}
