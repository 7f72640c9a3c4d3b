namespace Swarm.Worker.Agent;

/// <summary>Who one agent is: what it registers with and where it keeps its state.</summary>
public sealed record AgentSettings
{
    public string Hostname { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string StateDir { get; init; } = "";
    public IReadOnlyDictionary<string, long> GenericResources { get; init; } = new Dictionary<string, long>();
}
