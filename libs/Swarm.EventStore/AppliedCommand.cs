namespace Swarm.EventStore;

/// <summary>
/// A command the log has applied, by its command id, with the answer it was given. Stored in the
/// transaction that appended the command's events (alone when the command changed nothing), so that
/// a command delivered again (a broker redelivery, or a client resending after losing the answer) is
/// answered as the first delivery was instead of being decided again: a second <c>--force</c> would
/// restart every task again, a second rollback would flip the spec back, a second remove would find
/// no service. See <see cref="AggregateWriteOptions.RecordCommand"/>.
/// </summary>
public sealed class AppliedCommand
{
    /// <summary>The command id.</summary>
    public Guid Id { get; set; }

    /// <summary>The command's message type (<c>UpdateService</c>, …).</summary>
    public string Command { get; set; } = "";

    /// <summary>The answer's id: the service, node or cluster the command touched.</summary>
    public Guid AggregateId { get; set; }

    /// <summary>The answer's version.</summary>
    public long Version { get; set; }

    public DateTimeOffset At { get; set; }
}
