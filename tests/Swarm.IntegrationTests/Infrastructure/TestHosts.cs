using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Messaging;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Infrastructure;

/// <summary>Hosts the tests start on an isolated cluster's log and broker.</summary>
internal static class TestHosts
{
    /// <summary>A host with the swarm bus and the test's consumers (and their services), started once its queues are bound.</summary>
    public static async Task<IHost> StartBusAsync(IsolatedCluster cluster, string name, Action<IBusRegistrationConfigurator> consumers, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(cluster.Settings(name));
        Quiet(builder.Logging);
        services?.Invoke(builder.Services);
        builder.Services.AddSwarmBus(builder.Configuration, consumers);
        WaitForTheBus(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>
    /// A started host has its queues bound: a command published right after start (to an exchange that
    /// the orchestrator's queue is not yet bound to) would otherwise be dropped and its request time out.
    /// </summary>
    public static void WaitForTheBus(IServiceCollection services) =>
        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
        });

    public static void Quiet(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.SetMinimumLevel(LogLevel.Warning);
    }
}
