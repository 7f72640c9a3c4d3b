using System.Text.Json;

namespace Swarm.ControlApi.Contracts;

/// <summary>
/// One event of a task's stream: its version in the stream, its position in the cluster log, when it
/// was written, its stored type name, a one-line summary and the event itself, as JSON.
/// </summary>
public sealed record TaskHistoryEntry
{
    public long Version { get; init; }
    public long Sequence { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public string Type { get; init; } = "";
    public string Summary { get; init; } = "";
    public JsonElement Data { get; init; }
}
