using System.Security.Cryptography.X509Certificates;
using Swarm.Security;

namespace Swarm.EventStore.Security;

/// <summary>The cluster's trust state, public parts only.</summary>
public sealed record CaState(
    string ClusterId,
    IReadOnlyList<X509Certificate2> Roots,
    IReadOnlyList<X509Certificate2> Intermediates,
    TimeSpan NodeCertExpiry,
    DateTimeOffset? RotationStartedAt)
{
    /// <summary>The root that signs now.</summary>
    public X509Certificate2 SigningRoot => Roots[0];

    public IReadOnlyList<string> RootFingerprints => [.. Roots.Select(Fingerprints.Sha256)];

    public bool Rotating => RotationStartedAt is not null;
}
