using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration;

/// <summary>Collects a reconciliation's decisions; every change is checked to move forward only.</summary>
internal sealed class PlanBuilder(IReadOnlyCollection<SwarmTask> tasks)
{
    public List<NewTask> Create { get; } = [];
    public List<DesiredChange> Changes { get; } = [];
    public List<Guid> ShutdownUnassigned { get; } = [];
    public object? ServiceEvent { get; set; }

    /// <summary>Tasks already told to stop that never reached a node are shut down by the manager.</summary>
    public PlanBuilder ShutDownStoppedUnassigned()
    {
        foreach (var task in tasks)
        {
            if (task.DesiredState >= DesiredState.Shutdown && task.State < TaskState.Assigned)
            {
                ShutdownUnassigned.Add(task.Id);
            }
        }

        return this;
    }

    /// <summary>When the service was removed, every task is told to go; returns whether it was.</summary>
    public bool RemoveAllIfRemoved(Services.Service service)
    {
        if (!service.Removed)
        {
            return false;
        }

        foreach (var task in tasks)
        {
            Change(task, DesiredState.Remove, "service removed");
        }

        return true;
    }

    public void Change(SwarmTask task, DesiredState desired, string reason)
    {
        if (TaskStateMachine.CanChangeDesired(task.DesiredState, desired) && Changes.All(c => c.TaskId != task.Id || c.DesiredState < desired))
        {
            Changes.Add(new DesiredChange(task.Id, desired, reason));
            if (desired >= DesiredState.Shutdown && task.State < TaskState.Assigned)
            {
                ShutdownUnassigned.Add(task.Id);
            }
        }
    }

    public ReconcilePlan Build() => new(Create, Changes, ShutdownUnassigned.Distinct().ToList(), ServiceEvent);
}
