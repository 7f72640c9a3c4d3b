namespace Swarm.Contracts.Model;

/// <summary>A network as a user asks for it (<c>swarmctl network create</c>).</summary>
public sealed record NetworkSpec
{
    public string Name { get; init; } = "";

    /// <summary><c>overlay</c> (default). On one Docker engine an overlay is realised as a bridge network.</summary>
    public string? Driver { get; init; }

    /// <summary>IPv4 CIDR; when absent a /24 is taken from the cluster's address pool (10.0.0.0/8).</summary>
    public string? Subnet { get; init; }

    /// <summary>Defaults to the subnet's first address.</summary>
    public string? Gateway { get; init; }

    /// <summary>Whether standalone containers may attach (recorded; Docker's meaning).</summary>
    public bool Attachable { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}
