using Swarm.Security;

namespace Swarm.Domain.Tests.Security;

[CollectionDefinition(nameof(LocalTimeZone), DisableParallelization = true)]
public sealed class LocalTimeZone;

/// <summary>A certificate's NotBefore/NotAfter are local times: the checks must hold wherever the machine's clock is set.</summary>
[Collection(nameof(LocalTimeZone))]
public sealed class LocalTimeZoneTests
{
    [SkippableTheory]
    [InlineData("Asia/Tokyo")]
    [InlineData("America/New_York")]
    public void Expiry_is_judged_in_utc_whatever_the_local_time_zone(string zone)
    {
        var before = Environment.GetEnvironmentVariable("TZ");
        Environment.SetEnvironmentVariable("TZ", zone);
        TimeZoneInfo.ClearCachedData();
        try
        {
            Skip.If(TimeZoneInfo.Local.BaseUtcOffset == TimeSpan.Zero, $"the time zone {zone} is not available here");
            var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
            using var ca = RootCa.Create("c", now - TimeSpan.FromDays(1));
            var (key, csr) = RootCa.NewKeyAndRequest();
            using var _ = key;
            using var cert = ca.Issue(csr, new CertificateIdentity("n", NodeRoles.Worker, "c"), now, TimeSpan.FromHours(1));

            Assert.Equal("the certificate expired at 2026-03-01 13:00:00Z", CertificateChains.Verify(cert, [ca.Certificate], now + TimeSpan.FromHours(2)));
            Assert.Equal("the certificate is not valid yet (from 2026-03-01 11:55:00Z)", CertificateChains.Verify(cert, [ca.Certificate], now - TimeSpan.FromHours(2)));
        }
        finally
        {
            Environment.SetEnvironmentVariable("TZ", before);
            TimeZoneInfo.ClearCachedData();
        }
    }
}
