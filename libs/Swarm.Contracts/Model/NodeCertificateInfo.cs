namespace Swarm.Contracts.Model;

/// <summary>The public facts of a node's certificate (never its key): what <c>node inspect</c> shows.</summary>
public sealed record NodeCertificateInfo
{
    /// <summary>swarm-worker or swarm-manager.</summary>
    public string Role { get; init; } = "";
    public string Serial { get; init; } = "";
    public DateTimeOffset NotBefore { get; init; }
    public DateTimeOffset NotAfter { get; init; }

    /// <summary>SHA-256 fingerprint (hex) of the root that issued it.</summary>
    public string IssuerFingerprint { get; init; } = "";
}
