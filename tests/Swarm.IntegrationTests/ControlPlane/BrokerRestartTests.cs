using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Swarm.ControlApi.Hosting;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Orchestrator;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>
/// The control API and the orchestrator across a broker restart (<c>rabbitmqctl stop_app; start_app</c>),
/// on a RabbitMQ node of the test's own: every connection drops, the control API's reply queue is
/// deleted, and each endpoint comes back on its own reconnect back-off. A command sent as soon as
/// the broker is back must be applied and answered, not lost.
/// </summary>
public sealed class BrokerRestartTests
{
    [SkippableFact]
    public async Task The_first_command_after_the_broker_restarts_is_applied_and_answered()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var broker = await PrivateRabbitMq.StartAsync();
        var settings = cluster.Settings("orchestrator");
        settings["ConnectionStrings:RabbitMq"] = broker.Uri;

        using var orchestrator = await StartOrchestratorAsync(settings);
        await using var api = await StartControlApiAsync(settings);
        using var http = Client(api);
        try
        {
            var before = await http.PostAsJsonAsync("/api/services", new { name = "before", command = new[] { "sleep", "3600" } });
            Assert.True(before.StatusCode == HttpStatusCode.Created, await before.Content.ReadAsStringAsync());

            // long enough that every endpoint's reconnect attempts fail twice: MassTransit then waits
            // another 11-19 s (its back-off, with jitter) before reconnecting the orchestrator's command
            // queue and the control API's reply queue, longer than a command used to live (10 s)
            await broker.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(20));
            await broker.StartAgainAsync();

            var after = await http.PostAsJsonAsync("/api/services", new { name = "after", command = new[] { "sleep", "3600" } });
            Assert.True(after.StatusCode == HttpStatusCode.Created, $"{(int)after.StatusCode}: {await after.Content.ReadAsStringAsync()}");

            var created = await http.GetAsync("/api/services/after");
            Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        }
        finally
        {
            await api.StopAsync();
            await orchestrator.StopAsync();
        }
    }

    private static async Task<IHost> StartOrchestratorAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        TestHosts.Quiet(builder.Logging);
        builder.AddOrchestrator();
        TestHosts.WaitForTheBus(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<WebApplication> StartControlApiAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Swarm:EndpointPrefix"] = "controlapi",
            ["Swarm:Relay"] = "false",
            ["Swarm:Ca:Key"] = Swarm.Security.KeyEncryptionKey.Generate(),
            ["ControlApi:Socket"] = Path.Combine(Path.GetTempPath(), $"swarm-broker-restart-{Guid.NewGuid():N}", "control.sock"),

            // the appsettings.json beside the tests is the dispatcher's, with fixed ports
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http1",
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
        });
        TestHosts.Quiet(builder.Logging);
        builder.AddControlApi();
        TestHosts.WaitForTheBus(builder.Services);
        var app = builder.Build();
        app.MapControlApi();
        await app.StartAsync();
        return app;
    }

    /// <summary>A client of the API's unix socket (the API answers nothing of /api over plain http).</summary>
    private static HttpClient Client(WebApplication api) => Swarm.Testing.UnixSocketHttp.Create(api.Configuration["ControlApi:Socket"]!, TimeSpan.FromSeconds(60));
}
