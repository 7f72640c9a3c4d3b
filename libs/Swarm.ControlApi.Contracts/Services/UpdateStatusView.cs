using System.Text.Json.Serialization;

namespace Swarm.ControlApi.Contracts;

/// <summary>
/// Where the last rolling update or rollback of a service stands. <see cref="State"/> is one of
/// <c>updating</c>, <c>paused</c>, <c>completed</c>, <c>rollback_started</c>, <c>rollback_paused</c>,
/// <c>rollback_completed</c>.
/// </summary>
public sealed record UpdateStatusView
{
    public string State { get; init; } = "";
    public string Message { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    [JsonIgnore]
    public bool InProgress => State is "updating" or "rollback_started";

    [JsonIgnore]
    public bool IsPaused => State is "paused" or "rollback_paused";
}
