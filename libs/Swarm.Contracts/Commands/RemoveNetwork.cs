namespace Swarm.Contracts.Commands;

/// <summary>Remove a network (by name or id); refused while a service uses it.</summary>
public sealed record RemoveNetwork
{
    public Guid CommandId { get; init; }
    public string Network { get; init; } = "";
}
