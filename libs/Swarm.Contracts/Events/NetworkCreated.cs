namespace Swarm.Contracts.Events;

public sealed record NetworkCreated
{
    public Guid NetworkId { get; init; }
    public string Name { get; init; } = "";
    public string Driver { get; init; } = "overlay";
    public string Subnet { get; init; } = "";
    public string Gateway { get; init; } = "";
    public bool Attachable { get; init; }

    /// <summary>The cluster's routing-mesh network (<c>ingress</c>), created with the cluster.</summary>
    public bool Ingress { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public DateTimeOffset At { get; init; }
}
