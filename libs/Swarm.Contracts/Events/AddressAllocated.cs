namespace Swarm.Contracts.Events;

public sealed record AddressAllocated
{
    public Guid NetworkId { get; init; }
    public Guid TaskId { get; init; }
    public string Address { get; init; } = "";
}
