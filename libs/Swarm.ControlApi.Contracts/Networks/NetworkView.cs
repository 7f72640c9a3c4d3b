namespace Swarm.ControlApi.Contracts;

/// <summary>
/// A network as <c>GET /api/networks</c> shows it. <see cref="Services"/> names the live services attached to it
/// (by their spec's networks, or, for the <c>ingress</c> network, by publishing an ingress port). <see cref="Scope"/>
/// is always <c>swarm</c>, as Docker shows a cluster network. Removed networks are never shown.
/// </summary>
public sealed record NetworkView
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Driver { get; init; } = "overlay";
    public string Scope { get; init; } = "swarm";
    public string Subnet { get; init; } = "";
    public string Gateway { get; init; } = "";
    public bool Attachable { get; init; }

    /// <summary>The cluster's routing-mesh network.</summary>
    public bool Ingress { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset CreatedAt { get; init; }
    public IReadOnlyList<string> Services { get; init; } = [];
}
