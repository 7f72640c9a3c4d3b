using Marten.Events.Aggregation;
using Swarm.Contracts.Events;
using Swarm.Domain.Tasks;

namespace Swarm.EventStore.Projections;

/// <summary>Folds task streams with the domain aggregate's own Create/Apply; kept inline as the read model.</summary>
public sealed class TaskProjection : SingleStreamProjection<SwarmTask, Guid>
{
    public static SwarmTask Create(TaskCreated e) => SwarmTask.Create(e);

    public static SwarmTask Apply(TaskAllocated e, SwarmTask current) => current.Apply(e);

    public static SwarmTask Apply(TaskUnschedulable e, SwarmTask current) => current.Apply(e);

    public static SwarmTask Apply(TaskAssigned e, SwarmTask current) => current.Apply(e);

    public static SwarmTask Apply(TaskStatusChanged e, SwarmTask current) => current.Apply(e);

    public static SwarmTask Apply(TaskDesiredStateChanged e, SwarmTask current) => current.Apply(e);

    /// <summary>A reaped task leaves the read model; its stream stays.</summary>
    public static bool ShouldDelete(TaskReaped e) => true;
}
