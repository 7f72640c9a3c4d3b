namespace Swarm.Contracts.Events;

public sealed record AddressReleased
{
    public Guid NetworkId { get; init; }
    public Guid TaskId { get; init; }
    public string Address { get; init; } = "";
}
