namespace Swarm.ControlApi.Contracts;

/// <summary>Answer to an accepted command: the service or node it touched and its stream version.</summary>
public sealed record CommandResult
{
    public Guid Id { get; init; }
    public long Version { get; init; }
}
