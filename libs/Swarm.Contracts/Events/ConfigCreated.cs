namespace Swarm.Contracts.Events;

/// <summary>
/// A config was created. Metadata only: the value is stored encrypted beside the log, never in an event, a command
/// or a message.
/// </summary>
public sealed record ConfigCreated
{
    public Guid ConfigId { get; init; }
    public string Name { get; init; } = "";
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>The value's length in bytes.</summary>
    public int Size { get; init; }

    /// <summary>SHA-256 of the value (hex): configs are not secret, and it tells two versions apart.</summary>
    public string Digest { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
