using Swarm.Contracts.Model;

namespace Swarm.Domain.Orchestration;

/// <summary>A task the orchestrator should create for a slot.</summary>
public sealed record NewTask(int Slot, int Attempt, DesiredState DesiredState, DateTimeOffset? StartAfter, string Reason);

/// <summary>A task whose desired state should move forward.</summary>
public sealed record DesiredChange(Guid TaskId, DesiredState DesiredState, string Reason);

/// <summary>What one reconciliation of a service decided; empty when the service is as desired.</summary>
public sealed record ReconcilePlan(IReadOnlyList<NewTask> Create, IReadOnlyList<DesiredChange> Changes, IReadOnlyList<Guid> ShutdownUnassigned)
{
    public bool IsEmpty => Create.Count == 0 && Changes.Count == 0 && ShutdownUnassigned.Count == 0;
}
