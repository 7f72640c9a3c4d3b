using System.Text.Json.Serialization;

namespace Swarm.Contracts.Model;

/// <summary>What the orchestrator wants a task to be. Ordered like SwarmKit's desired states.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DesiredState>))]
public enum DesiredState
{
    Ready = 384,
    Running = 512,
    Completed = 576,
    Shutdown = 640,
    Remove = 800,
}
