using Swarm.Domain.Tasks;

namespace Swarm.Domain.Orchestration;

/// <summary>
/// What a task stands for: a slot of a replicated service (<see cref="NodeId"/> null) or the node of a
/// global one (<see cref="Slot"/> 0).
/// </summary>
public readonly record struct SlotKey(int Slot, Guid? NodeId)
{
    public static SlotKey Of(SwarmTask task, bool global) => global ? new(0, task.NodeId) : new(task.Slot, null);

    public bool Holds(SwarmTask task) => NodeId is { } node ? task.NodeId == node : task.Slot == Slot;
}
