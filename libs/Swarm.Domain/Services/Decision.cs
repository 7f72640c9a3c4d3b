namespace Swarm.Domain.Services;

/// <summary>
/// What a decider answers to a command: the events to append (none when the aggregate is already as
/// asked), or why the command is refused.
/// </summary>
public sealed record Decision
{
    /// <summary>Nothing to append: the aggregate already is what the command asks for.</summary>
    public static readonly Decision Unchanged = new();

    public IReadOnlyList<object> Events { get; private init; } = [];

    /// <summary>Why the command is refused; null when it is not.</summary>
    public Rejection? Rejected { get; private init; }

    public bool IsRejected => Rejected is not null;

    public static Decision Append(params object[] events) => new() { Events = events };

    /// <summary>The event, or <see cref="Unchanged"/> when there is none (the shape of the task and node deciders).</summary>
    public static Decision Of(object? change) => change is null ? Unchanged : Append(change);

    public static Decision Reject(string code, ValidationError error) => new() { Rejected = new Rejection(code, error) };

    public static Decision Invalid(ValidationError error) => Reject(Rejection.Invalid, error);

    public static Decision Invalid(string field, string reason) => Invalid(new ValidationError(field, reason));

    public static Decision Conflict(string field, string reason) => Reject(Rejection.Conflict, new ValidationError(field, reason));

    public static Decision NotFound(string field, string reason) => Reject(Rejection.NotFound, new ValidationError(field, reason));
}

/// <summary>A refused command: its code (<c>invalid</c>, <c>conflict</c>, <c>not-found</c>) and the field at fault.</summary>
public sealed record Rejection(string Code, ValidationError Error)
{
    /// <summary>The input is wrong whatever the state of the cluster.</summary>
    public const string Invalid = "invalid";

    /// <summary>The input is at odds with the cluster as it is now (a taken name, an out-of-date version).</summary>
    public const string Conflict = "conflict";

    /// <summary>What the command names does not exist.</summary>
    public const string NotFound = "not-found";
}
