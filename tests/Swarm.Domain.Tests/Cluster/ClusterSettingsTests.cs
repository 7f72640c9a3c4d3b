using Swarm.Contracts.Events;
using Swarm.Domain.Cluster;

namespace Swarm.Domain.Tests.Cluster;

public sealed class ClusterSettingsTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_cluster_has_the_defaults()
    {
        var settings = new ClusterSettings();
        Assert.Equal(ClusterSettings.DefaultId, settings.Id);
        Assert.Equal(ClusterSettings.DefaultTaskHistoryLimit, settings.TaskHistoryLimit);
        Assert.Equal(0, settings.NodeCertExpirySeconds);
        Assert.Equal(TimeSpan.FromDays(90), settings.NodeCertExpiry());
    }

    [Fact]
    public void The_first_update_sets_every_setting()
    {
        var settings = ClusterSettings.Create(new ClusterUpdated { ClusterId = ClusterSettings.DefaultId, TaskHistoryLimit = 3, NodeCertExpirySeconds = 7200, At = At });
        Assert.Equal(3, settings.TaskHistoryLimit);
        Assert.Equal(7200, settings.NodeCertExpirySeconds);
        Assert.Equal(TimeSpan.FromHours(2), settings.NodeCertExpiry());
        Assert.Equal(At, settings.UpdatedAt);
    }

    [Fact]
    public void An_update_replaces_the_settings_and_zero_expiry_means_the_default()
    {
        var settings = ClusterSettings.Create(new ClusterUpdated { ClusterId = ClusterSettings.DefaultId, TaskHistoryLimit = 3, NodeCertExpirySeconds = 7200, At = At });
        settings = settings.Apply(new ClusterUpdated { ClusterId = ClusterSettings.DefaultId, TaskHistoryLimit = 4, NodeCertExpirySeconds = 86400, At = At.AddMinutes(1) });
        Assert.Equal((4, 86400L, TimeSpan.FromDays(1)), (settings.TaskHistoryLimit, settings.NodeCertExpirySeconds, settings.NodeCertExpiry()));

        // an event written before the setting existed
        settings = settings.Apply(new ClusterUpdated { ClusterId = ClusterSettings.DefaultId, TaskHistoryLimit = 5, At = At.AddMinutes(2) });
        Assert.Equal(0, settings.NodeCertExpirySeconds);
        Assert.Equal(ClusterSettings.DefaultNodeCertExpiry, settings.NodeCertExpiry());
        Assert.Equal(At.AddMinutes(2), settings.UpdatedAt);
    }

    [Theory]
    [InlineData(0, 90 * 86400)]
    [InlineData(-5, 90 * 86400)]
    [InlineData(3600, 3600)]
    public void Expiry_or_default(long seconds, long expected) =>
        Assert.Equal(TimeSpan.FromSeconds(expected), ClusterSettings.ExpiryOrDefault(seconds));
}
