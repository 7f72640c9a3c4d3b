using Swarm.Contracts.Events;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration;

public static class TaskCreation
{
    /// <summary>The event that creates a task the orchestrator decided on, with its derived id.</summary>
    public static TaskCreated Created(Service service, NewTask create, DateTimeOffset now)
    {
        var jobIteration = ServiceModes.IsJob(ServiceModes.Of(service.Spec)) ? service.SpecVersion : (long?)null;
        var taskId = TaskIds.For(service.Id, create.Slot, create.NodeId, create.Attempt, jobIteration);
        return new TaskCreated
        {
            TaskId = taskId,
            ServiceId = service.Id,
            ServiceName = service.Name,
            Slot = create.Slot,
            Attempt = create.Attempt,
            SpecVersion = service.SpecVersion,
            Spec = service.Spec,
            DesiredState = create.DesiredState,
            StartAfter = create.StartAfter,
            NodeId = create.NodeId,
            Reason = create.Reason,
            Restarts = create.Restarts,
            CreatedAt = now,
        };
    }
}
