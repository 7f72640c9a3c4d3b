namespace Swarm.Contracts.Commands;

/// <summary>Answer to a command that was applied. <see cref="Id"/> is the service or node it touched.</summary>
public sealed record CommandAccepted
{
    public Guid CommandId { get; init; }
    public Guid Id { get; init; }
    public long Version { get; init; }
}
