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

    /// <summary>The node's address as the dispatcher saw it (for <c>node.ip</c> constraints).</summary>
    public string Address { get; init; } = "";

    /// <summary>Labels given to the agent (<c>--label</c>).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Container engine labels and version (docker executor), for <c>engine.labels.*</c>.</summary>
    public IReadOnlyDictionary<string, string> EngineLabels { get; init; } = new Dictionary<string, string>();
    public string EngineVersion { get; init; } = "";

    /// <summary>Named countable resources the node offers, e.g. <c>gpu</c> → 4.</summary>
    public IReadOnlyDictionary<string, long> GenericResources { get; init; } = new Dictionary<string, long>();
}
