namespace Swarm.ControlApi.Contracts;

/// <summary>A trusted root: its SHA-256 fingerprint (hex, as <c>openssl x509 -fingerprint -sha256</c> without colons), subject and expiry.</summary>
public sealed record CaRootView
{
    public string Fingerprint { get; init; } = "";
    public string Subject { get; init; } = "";
    public DateTimeOffset NotAfter { get; init; }
}
