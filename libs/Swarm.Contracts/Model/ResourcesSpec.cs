namespace Swarm.Contracts.Model;

/// <summary>What a task reserves on its node (used for placement) and the limits it runs under.</summary>
public sealed record ResourcesSpec
{
    public ResourceAmounts? Reservations { get; init; }
    public ResourceAmounts? Limits { get; init; }
}

public sealed record ResourceAmounts
{
    /// <summary>CPU in billionths of a core (1.5 CPUs = 1_500_000_000).</summary>
    public long? NanoCpus { get; init; }
    public long? MemoryBytes { get; init; }

    /// <summary>Named countable resources, e.g. <c>gpu</c> → 2.</summary>
    public IReadOnlyDictionary<string, long>? Generic { get; init; }
}
