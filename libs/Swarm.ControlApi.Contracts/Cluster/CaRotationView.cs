namespace Swarm.ControlApi.Contracts;

/// <summary>A root rotation under way: <see cref="NodesRenewed"/> of the <see cref="NodesTotal"/> nodes not removed hold a certificate of the new root.</summary>
public sealed record CaRotationView
{
    public DateTimeOffset StartedAt { get; init; }
    public int NodesRenewed { get; init; }
    public int NodesTotal { get; init; }
}
