namespace Swarm.Contracts.Events;

/// <summary>
/// A dispatcher replica became leader for a Raft term and fenced the log: from now on the log
/// refuses dispatcher writes made under an older term. Appended to the fixed dispatcher leadership
/// stream (<see cref="StreamId"/>), each term at most once, in increasing order.
/// </summary>
public sealed record DispatcherTermStarted
{
    /// <summary>The id of the one stream that records dispatcher leadership terms.</summary>
    public static readonly Guid StreamId = new("5f1d7a1e-0d15-4a7c-9c3e-d15ba7c4e7e5");

    public Guid LeadershipId { get; init; } = StreamId;
    public long Term { get; init; }
    public string ReplicaId { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
