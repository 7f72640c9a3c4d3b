using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;
using Swarm.Contracts.Model;
using Swarm.EventStore;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Metrics;

public sealed class RelayLagTests
{
    [SkippableFact]
    public async Task Lag_is_the_newest_sequence_in_the_log_minus_the_newest_the_relay_published()
    {
        await using var log = await SeededLog.CreateAsync();
        await log.NodeAsync("worker-1", NodeStatus.Ready);
        await log.NodeAsync("worker-2", NodeStatus.Ready);
        long newest;
        await using (var query = log.Store.QuerySession())
        {
            newest = await query.Events.QueryAllRawEvents().MaxAsync(e => e.Sequence);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(log.Cluster.Settings("test")).Build();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var capture = new MetricCapture(meters.Create(EventRelay.Source.Name), RelayLag.Name);
        var lag = new RelayLag(configuration, meters, NullLogger<RelayLag>.Instance);

        await lag.RefreshAsync();
        capture.Collect();
        Assert.Equal(newest, Assert.Single(capture.Of(RelayLag.Name)).Value);

        lag.Published(newest - 1);
        Assert.Equal(1, lag.Observe());
        lag.Published(newest);
        Assert.Equal(0, lag.Observe());
    }
}
