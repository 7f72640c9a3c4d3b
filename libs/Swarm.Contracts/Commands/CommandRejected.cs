namespace Swarm.Contracts.Commands;

/// <summary>
/// Answer to a command that was refused; nothing was written. <see cref="Field"/> names the input at
/// fault (for example <c>spec.replicas</c>), <see cref="Code"/> is <c>invalid</c>, <c>conflict</c> or
/// <c>not-found</c>. Also published as an event when the sender asked for no answer.
/// </summary>
public sealed record CommandRejected
{
    public Guid CommandId { get; init; }
    public string Command { get; init; } = "";
    public string Code { get; init; } = "invalid";
    public string Field { get; init; } = "";
    public string Reason { get; init; } = "";
}
