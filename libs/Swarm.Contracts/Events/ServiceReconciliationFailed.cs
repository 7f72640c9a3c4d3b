namespace Swarm.Contracts.Events;

/// <summary>
/// The orchestrator could not work out the service's tasks from its spec and state (for instance a
/// value written before the spec was bounded): the service keeps its tasks as they are, and
/// <c>service inspect</c> shows <see cref="Reason"/> until a new spec is written. Written once per
/// distinct reason, not on every attempt.
/// </summary>
public sealed record ServiceReconciliationFailed
{
    public Guid ServiceId { get; init; }
    public string Reason { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
