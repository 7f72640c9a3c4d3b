namespace Swarm.Contracts.Events;

/// <summary>
/// The busiest task events, as the relay puts them on the bus: the events of one kind in a page of the log
/// travel as one message (in log order, at most <see cref="RelayedBatches.MaxEvents"/> events and about
/// <see cref="RelayedBatches.MaxBytes"/> each) instead of
/// one message per event. A burst of ten thousand tasks is then a few dozen messages per hop, not thirty
/// thousand. These messages are never in the log; each event in them is.
/// </summary>
public static class RelayedBatches
{
    public const int MaxEvents = 500;

    /// <summary>Bytes of JSON a batch holds at most, unless one event alone is larger.</summary>
    public const long MaxBytes = 4 * 1024 * 1024;
}

/// <summary>Tasks created, relayed together (<see cref="RelayedBatches"/>).</summary>
public sealed record TasksCreated
{
    public List<TaskCreated> Events { get; init; } = [];
}

/// <summary>Tasks allocated, relayed together (<see cref="RelayedBatches"/>).</summary>
public sealed record TasksAllocated
{
    public List<TaskAllocated> Events { get; init; } = [];
}

/// <summary>Tasks assigned to nodes, relayed together (<see cref="RelayedBatches"/>).</summary>
public sealed record TasksAssigned
{
    public List<TaskAssigned> Events { get; init; } = [];
}
