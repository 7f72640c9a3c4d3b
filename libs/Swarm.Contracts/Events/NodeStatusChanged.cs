using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

public sealed record NodeStatusChanged
{
    public Guid NodeId { get; init; }
    public NodeStatus Status { get; init; }
    public string Message { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
