using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>
/// The service went back to its previous spec, because an update failed (failure action
/// <c>rollback</c>) or an operator asked (<c>service update --rollback</c>). Its tasks are then
/// replaced following the rollback config.
/// </summary>
public sealed record ServiceRolledBack
{
    public Guid ServiceId { get; init; }
    public ServiceSpec Spec { get; init; } = new();
    public ServiceSpec PreviousSpec { get; init; } = new();
    public long SpecVersion { get; init; }
    public bool Manual { get; init; }
    public string Reason { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
