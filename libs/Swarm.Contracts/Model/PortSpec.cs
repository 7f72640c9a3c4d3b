namespace Swarm.Contracts.Model;

/// <summary>A published port. Host mode binds <see cref="PublishedPort"/> on the node running the task.</summary>
public sealed record PortSpec
{
    public int TargetPort { get; init; }
    public int? PublishedPort { get; init; }

    /// <summary><c>tcp</c> (default) or <c>udp</c>.</summary>
    public string? Protocol { get; init; }

    /// <summary><c>host</c> or <c>ingress</c> (default).</summary>
    public string? Mode { get; init; }
}
