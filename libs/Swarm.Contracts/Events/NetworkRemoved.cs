namespace Swarm.Contracts.Events;

public sealed record NetworkRemoved
{
    public Guid NetworkId { get; init; }
    public string Name { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
