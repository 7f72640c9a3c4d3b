namespace Swarm.Contracts.Events;

/// <summary>Addresses given back to a network in one decision (tasks that ended).</summary>
public sealed record AddressesReleased
{
    public Guid NetworkId { get; init; }
    public IReadOnlyList<AddressAssignment> Addresses { get; init; } = [];
}
