namespace Swarm.Contracts.Events;

/// <summary>Addresses handed out on a network in one decision (a batch of tasks).</summary>
public sealed record AddressesAllocated
{
    public Guid NetworkId { get; init; }
    public IReadOnlyList<AddressAssignment> Addresses { get; init; } = [];
}

/// <summary>A task's address on a network.</summary>
public sealed record AddressAssignment(Guid TaskId, string Address);
