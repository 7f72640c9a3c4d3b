using System.Collections.Concurrent;
using JasperFx.Events.Daemon;
using Marten;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.EventStore;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Messaging;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>
/// The relay stopped by a failure the daemon does not retry (as after a PostgreSQL restart, when two
/// processes briefly both held its lock) is started again by <see cref="RelayWatchdog"/>.
/// </summary>
public sealed class RelayWatchdogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [SkippableFact]
    public async Task A_relay_stopped_by_a_failure_starts_again_and_publishes_what_waits()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        var builder = Host.CreateApplicationBuilder();
        var settings = cluster.Settings("watchdog");
        settings["Swarm:RelayStallSeconds"] = "2";
        builder.Configuration.AddInMemoryCollection(settings);
        TestHosts.Quiet(builder.Logging);
        builder.Services.AddSingleton<Received>();
        builder.Services.AddSwarmManager(builder.Configuration, x => x.AddConsumer<ServiceCreatedRecorder>());
        TestHosts.WaitForTheBus(builder.Services);
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var received = host.Services.GetRequiredService<Received>();
            var store = host.Services.GetRequiredService<IDocumentStore>();

            var first = await AppendServiceAsync(store, "first");
            await Eventually.WaitAsync(() => Task.FromResult(received.Ids.Contains(first)), x => x, Timeout, "the first service relayed");

            // what the daemon does with a subscription whose page failed (ProgressionProgressOutOfOrderException
            // after a PostgreSQL restart): the agent reports a critical failure and stops
            var daemon = host.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
            var relay = daemon.CurrentAgents().Single(a => a.Name.Identity == $"{EventRelay.SubscriptionName}:All");
            await relay.ReportCriticalFailureAsync(new ProgressionProgressOutOfOrderException(relay.Name));

            var second = await AppendServiceAsync(store, "second");
            await Eventually.WaitAsync(() => Task.FromResult(received.Ids.Contains(second)), x => x, Timeout, "the second service relayed after the relay stopped");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<Guid> AppendServiceAsync(IDocumentStore store, string name)
    {
        var id = Guid.NewGuid();
        await using var session = store.LightweightSession();
        session.Events.StartStream<Service>(id, new ServiceCreated { ServiceId = id, Spec = new ServiceSpec { Name = name, Command = ["sleep", "1"] }, CreatedAt = DateTimeOffset.UtcNow });
        await session.SaveChangesAsync();
        return id;
    }

    public sealed class Received
    {
        public ConcurrentBag<Guid> Ids { get; } = [];
    }

    public sealed class ServiceCreatedRecorder(Received received) : IConsumer<ServiceCreated>
    {
        public Task Consume(ConsumeContext<ServiceCreated> context)
        {
            received.Ids.Add(context.Message.ServiceId);
            return Task.CompletedTask;
        }
    }
}
