namespace Swarm.Contracts.Model;

/// <summary>What an agent says about its machine when it registers.</summary>
public sealed record NodeDescription
{
    public string Hostname { get; init; } = "";
    public string Role { get; init; } = "worker";
    public string Os { get; init; } = "";
    public string Architecture { get; init; } = "";
    public long NanoCpus { get; init; }
    public long MemoryBytes { get; init; }
    public string Executor { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}
