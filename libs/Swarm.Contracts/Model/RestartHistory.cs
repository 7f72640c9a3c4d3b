namespace Swarm.Contracts.Model;

/// <summary>
/// The restarts of a task's slot (of its node, for a global service) under the spec version the task
/// was made from, carried from each task of the slot to its replacement so that trimming the slot's
/// task history does not forget them. <see cref="Count"/> counts every restart; <see cref="Recent"/>
/// holds the times of the latest ones (as many as the restart policy's max attempts), kept only when
/// the policy counts restarts within a window.
/// </summary>
public sealed record RestartHistory
{
    public int Count { get; init; }
    public IReadOnlyList<DateTimeOffset>? Recent { get; init; }
}
