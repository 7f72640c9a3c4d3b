using Marten.Events.Aggregation;
using Swarm.Contracts.Events;

namespace Swarm.EventStore.Projections;

/// <summary>The newest dispatcher leadership term recorded in the log, and who holds it.</summary>
public sealed record DispatcherLeadership
{
    public Guid Id { get; init; }
    public long Term { get; init; }
    public string ReplicaId { get; init; } = "";
    public DateTimeOffset Since { get; init; }
}

/// <summary>Folds the dispatcher leadership stream into its single document.</summary>
public sealed class DispatcherLeadershipProjection : SingleStreamProjection<DispatcherLeadership, Guid>
{
    public static DispatcherLeadership Create(DispatcherTermStarted e) =>
        new() { Id = e.LeadershipId, Term = e.Term, ReplicaId = e.ReplicaId, Since = e.At };

    public static DispatcherLeadership Apply(DispatcherTermStarted e, DispatcherLeadership current) =>
        e.Term > current.Term ? current with { Term = e.Term, ReplicaId = e.ReplicaId, Since = e.At } : current;
}
