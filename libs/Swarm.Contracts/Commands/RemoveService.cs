namespace Swarm.Contracts.Commands;

/// <summary>Remove a service (by name or id); its tasks are shut down.</summary>
public sealed record RemoveService
{
    public Guid CommandId { get; init; }
    public string Service { get; init; } = "";
}
