using System.Text.Json.Serialization;

namespace Swarm.Contracts.Model;

[JsonConverter(typeof(JsonStringEnumConverter<NodeAvailability>))]
public enum NodeAvailability
{
    Active,
    Pause,
    Drain,
}
