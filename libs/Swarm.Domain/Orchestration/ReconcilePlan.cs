using Swarm.Contracts.Model;

namespace Swarm.Domain.Orchestration;

/// <summary>
/// A task the orchestrator should create for a slot (or, for global services, a node), with the slot's
/// restarts it carries on (see <see cref="RestartHistory"/>).
/// </summary>
public sealed record NewTask(int Slot, int Attempt, DesiredState DesiredState, DateTimeOffset? StartAfter, string Reason, Guid? NodeId = null, RestartHistory? Restarts = null);

/// <summary>A task whose desired state should move forward.</summary>
public sealed record DesiredChange(Guid TaskId, DesiredState DesiredState, string Reason);

/// <summary>
/// What one reconciliation of a service decided; empty when the service is as desired.
/// <see cref="ServiceEvent"/> is a change to the service itself (update status, rollback), if any.
/// </summary>
public sealed record ReconcilePlan(IReadOnlyList<NewTask> Create, IReadOnlyList<DesiredChange> Changes, IReadOnlyList<Guid> ShutdownUnassigned, object? ServiceEvent = null)
{
    public bool IsEmpty => Create.Count == 0 && Changes.Count == 0 && ShutdownUnassigned.Count == 0 && ServiceEvent is null;
}
