namespace Swarm.Contracts.Model;

/// <summary>Where a service's tasks may run and how they spread.</summary>
public sealed record PlacementSpec
{
    /// <summary>Constraint expressions such as <c>node.labels.zone==east</c> or <c>node.role!=manager</c>.</summary>
    public IReadOnlyList<string>? Constraints { get; init; }

    /// <summary>Spread preferences, outermost first: each names a label, e.g. <c>node.labels.zone</c>.</summary>
    public IReadOnlyList<PlacementPreferenceSpec>? Preferences { get; init; }

    /// <summary>At most this many tasks of the service on one node; 0 or null means no limit.</summary>
    public int? MaxReplicasPerNode { get; init; }

    /// <summary>Platforms the task can run on; empty means any.</summary>
    public IReadOnlyList<PlatformSpec>? Platforms { get; init; }
}

public sealed record PlacementPreferenceSpec
{
    public string Spread { get; init; } = "";
}

public sealed record PlatformSpec
{
    public string? Os { get; init; }
    public string? Architecture { get; init; }
}
