using System.Security.Cryptography.X509Certificates;
using Swarm.Security;

namespace Swarm.Worker.Ca;

/// <summary>
/// When a node renews its certificate (SwarmKit's rule): at a random point between 50 % and 80 % of its lifetime,
/// so that nodes that joined together do not all renew at once, and long before it expires.
/// </summary>
public static class RenewalSchedule
{
    public const double Earliest = 0.5;
    public const double Latest = 0.8;

    /// <summary>The moment to renew <paramref name="certificate"/>; in the past when that is due already.</summary>
    public static DateTimeOffset Next(X509Certificate2 certificate, Random random)
    {
        var (issued, expires) = Lifetime(certificate);
        return issued + ((expires - issued) * (Earliest + (random.NextDouble() * (Latest - Earliest))));
    }

    /// <summary>
    /// When the certificate was issued and when it expires. The cluster's CA starts a certificate
    /// <see cref="RootCa.Backdate"/> before it issues it (for clocks a little behind); the lifetime counts from the issue.
    /// </summary>
    public static (DateTimeOffset Issued, DateTimeOffset Expires) Lifetime(X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var expires = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var issued = notBefore + RootCa.Backdate;
        return (issued < expires ? issued : notBefore, expires);
    }
}
