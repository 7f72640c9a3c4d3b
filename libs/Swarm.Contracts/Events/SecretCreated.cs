namespace Swarm.Contracts.Events;

/// <summary>
/// A secret was created. Metadata only: the value is stored encrypted beside the log, never in an event, a command
/// or a message.
/// </summary>
public sealed record SecretCreated
{
    public Guid SecretId { get; init; }
    public string Name { get; init; } = "";
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>The value's length in bytes.</summary>
    public int Size { get; init; }
    public DateTimeOffset At { get; init; }
}
