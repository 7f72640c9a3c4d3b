using System.Text.Json.Serialization;

namespace Swarm.Contracts.Model;

[JsonConverter(typeof(JsonStringEnumConverter<NodeStatus>))]
public enum NodeStatus
{
    Unknown,
    Down,
    Ready,
    Disconnected,
}
