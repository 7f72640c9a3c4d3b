namespace Swarm.Contracts.Events;

public sealed record NetworkCreated
{
    public Guid NetworkId { get; init; }
    public string Name { get; init; } = "";
    public string Driver { get; init; } = "overlay";
    public string Subnet { get; init; } = "";
    public string Gateway { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
