using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

public sealed record TaskDesiredStateChanged
{
    public Guid TaskId { get; init; }
    public Guid ServiceId { get; init; }
    public Guid? NodeId { get; init; }
    public DesiredState DesiredState { get; init; }
    public string Reason { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
