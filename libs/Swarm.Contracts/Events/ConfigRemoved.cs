namespace Swarm.Contracts.Events;

/// <summary>A config was removed; its encrypted value is deleted in the same transaction.</summary>
public sealed record ConfigRemoved
{
    public Guid ConfigId { get; init; }
    public string Name { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
