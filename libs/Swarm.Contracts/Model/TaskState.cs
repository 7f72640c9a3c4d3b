using System.Text.Json.Serialization;

namespace Swarm.Contracts.Model;

/// <summary>
/// Observed state of a task. The numeric order is the lifecycle order: a task only ever moves to a
/// higher value. Everything from <see cref="Complete"/> on is terminal.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskState>))]
public enum TaskState
{
    New = 0,
    Pending = 64,
    Assigned = 192,
    Accepted = 256,
    Preparing = 320,
    Ready = 384,
    Starting = 448,
    Running = 512,
    Complete = 576,
    Shutdown = 640,
    Failed = 704,
    Rejected = 768,
    Orphaned = 832,
}
