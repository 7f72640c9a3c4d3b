namespace Swarm.Contracts.Events;

/// <summary>A secret was removed; its encrypted value is deleted in the same transaction.</summary>
public sealed record SecretRemoved
{
    public Guid SecretId { get; init; }
    public string Name { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
