namespace Swarm.Contracts.Events;

public sealed record ServiceRemoved
{
    public Guid ServiceId { get; init; }
    public string Name { get; init; } = "";
    public DateTimeOffset RemovedAt { get; init; }
}
