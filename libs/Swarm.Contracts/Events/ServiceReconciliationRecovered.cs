namespace Swarm.Contracts.Events;

/// <summary>
/// The orchestrator reconciled a service it had recorded as failing (<see cref="ServiceReconciliationFailed"/>)
/// without a new spec being written, e.g. after the orchestrator itself was fixed: the reason is no longer shown.
/// </summary>
public sealed record ServiceReconciliationRecovered
{
    public Guid ServiceId { get; init; }
    public DateTimeOffset At { get; init; }
}
