using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Domain.Cluster;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Cluster;

public class ClusterDecisionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly ClusterSettings Existing = ClusterSettings.Create(new ClusterUpdated { ClusterId = ClusterSettings.DefaultId, TaskHistoryLimit = 5, At = T0 });

    private static UpdateCluster Expiry(long? seconds) => new() { CommandId = Guid.NewGuid(), NodeCertExpirySeconds = seconds };

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(3599L)]
    [InlineData(10L * 365 * 24 * 3600 + 1)]
    [InlineData(long.MaxValue)]
    public void A_node_certificate_lifetime_out_of_range_is_refused_naming_the_field(long seconds)
    {
        var decision = ClusterDecisions.Update(Existing, 0, Expiry(seconds), T0);

        Assert.Empty(decision.Events);
        Assert.Equal((Rejection.Invalid, "nodeCertExpirySeconds"), (decision.Rejected!.Code, decision.Rejected.Error.Field));
        Assert.Contains(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), decision.Rejected.Error.Reason, StringComparison.Ordinal);
        Assert.Equal("nodeCertExpirySeconds", ClusterDecisions.Validate(Expiry(seconds))!.Field);
    }

    [Theory]
    [InlineData(3600L)]
    [InlineData(30L * 24 * 3600)]
    [InlineData(10L * 365 * 24 * 3600)]
    public void A_node_certificate_lifetime_in_range_is_recorded_with_the_other_settings(long seconds)
    {
        var decision = ClusterDecisions.Update(Existing, 0, Expiry(seconds), T0.AddMinutes(1));

        var updated = Assert.IsType<ClusterUpdated>(Assert.Single(decision.Events));
        Assert.Equal((seconds, 5, T0.AddMinutes(1)), (updated.NodeCertExpirySeconds, updated.TaskHistoryLimit, updated.At));
    }

    [Fact]
    public void A_change_of_another_setting_carries_the_lifetime_in_force()
    {
        var keeps = Assert.IsType<ClusterUpdated>(Assert.Single(ClusterDecisions.Update(Existing, 7200, new UpdateCluster { TaskHistoryLimit = 2 }, T0).Events));
        var defaults = Assert.IsType<ClusterUpdated>(Assert.Single(ClusterDecisions.Update(Existing, 0, new UpdateCluster { TaskHistoryLimit = 2 }, T0).Events));

        Assert.Equal((2, 7200L), (keeps.TaskHistoryLimit, keeps.NodeCertExpirySeconds));
        Assert.Equal(ClusterDecisions.DefaultNodeCertExpirySeconds, defaults.NodeCertExpirySeconds);
        Assert.Equal(90L * 24 * 3600, ClusterDecisions.DefaultNodeCertExpirySeconds);
    }

    [Fact]
    public void Setting_the_lifetime_in_force_again_appends_nothing()
    {
        Assert.Empty(ClusterDecisions.Update(Existing, 7200, Expiry(7200), T0).Events);
        Assert.Empty(ClusterDecisions.Update(Existing, 0, Expiry(ClusterDecisions.DefaultNodeCertExpirySeconds), T0).Events);
        Assert.False(ClusterDecisions.Update(Existing, 0, Expiry(7200), T0).IsRejected);
    }

    [Fact]
    public void The_task_history_limit_is_still_checked()
    {
        var decision = ClusterDecisions.Update(Existing, 0, new UpdateCluster { TaskHistoryLimit = -1 }, T0);

        Assert.Equal("taskHistoryLimit", decision.Rejected!.Error.Field);
    }
}
