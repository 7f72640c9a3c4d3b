using System.Net;
using System.Net.Http.Json;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.ControlApi.Hosting;
using Swarm.Domain.Services;
using Swarm.EventStore;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Messaging;
using Swarm.Orchestrator;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>
/// What the control API answers when the orchestrator's answer does not come: a 503 means the command
/// was not applied, and is not applied later; a command that was applied is answered as applied.
/// </summary>
public sealed class CommandAnswerTests
{
    [SkippableFact]
    public async Task A_command_left_unanswered_is_reported_not_applied_and_is_not_applied_when_the_orchestrator_comes_back()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();

        // the orchestrator's queues exist, and hold the command while it is away
        var orchestrator = await StartOrchestratorAsync(cluster);
        await orchestrator.StopAsync();
        orchestrator.Dispose();

        await using var api = await StartControlApiAsync(cluster, commandTimeoutSeconds: 3);
        using var http = Client(api);
        var unanswered = await http.PostAsJsonAsync("/api/services", new { name = "unanswered", command = new[] { "sleep", "3600" } });
        var body = await unanswered.Content.ReadAsStringAsync();
        Assert.True(unanswered.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)unanswered.StatusCode}: {body}");
        Assert.Contains("not applied", body, StringComparison.Ordinal);

        using var back = await StartOrchestratorAsync(cluster);
        try
        {
            // commands are taken in order: once a later one is answered, every copy of the first was seen
            var later = await http.PostAsJsonAsync("/api/services", new { name = "later", command = new[] { "sleep", "3600" } });
            Assert.True(later.StatusCode == HttpStatusCode.Created, $"{(int)later.StatusCode}: {await later.Content.ReadAsStringAsync()}");
            var depth = await Eventually.WaitAsync(() => cluster.QueueDepthAsync("orchestrator-create-service"), d => d == 0, TimeSpan.FromSeconds(30), "the command queue to drain");
            Assert.Equal(0, depth);

            var first = await http.GetAsync("/api/services/unanswered");
            Assert.True(first.StatusCode == HttpStatusCode.NotFound, $"the service of the command answered 503 was created: {(int)first.StatusCode} {await first.Content.ReadAsStringAsync()}");
        }
        finally
        {
            await back.StopAsync();
            await api.StopAsync();
        }
    }

    [SkippableFact]
    public async Task A_command_applied_whose_answer_is_lost_is_answered_as_applied_from_the_log()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var silent = await StartSilentOrchestratorAsync(cluster);
        await using var api = await StartControlApiAsync(cluster, commandTimeoutSeconds: 3);
        using var http = Client(api);
        try
        {
            var created = await http.PostAsJsonAsync("/api/services", new { name = "applied", command = new[] { "sleep", "3600" } });
            var body = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode}: {body}");
            var result = await created.Content.ReadFromJsonAsync<Swarm.ControlApi.Contracts.CommandResult>();
            Assert.Equal(1L, result!.Version);

            var service = await http.GetAsync($"/api/services/{result.Id}");
            Assert.True(service.StatusCode == HttpStatusCode.OK, await service.Content.ReadAsStringAsync());
        }
        finally
        {
            await silent.StopAsync();
            await api.StopAsync();
        }
    }

    /// <summary>Creates the service a <see cref="CreateService"/> asks for and records the command, as the orchestrator does, and never answers.</summary>
    public sealed class SilentCreateServiceConsumer(IDocumentStore store) : IConsumer<CreateService>
    {
        public async Task Consume(ConsumeContext<CreateService> context)
        {
            var id = Guid.NewGuid();
            await using var session = store.LightweightSession();
            session.Stamp(context.Message.CommandId, context.Message.CommandId);
            session.Events.StartStream<Service>(id, new ServiceCreated { ServiceId = id, Spec = context.Message.Spec, CreatedAt = DateTimeOffset.UtcNow });
            session.Insert(new AppliedCommand { Id = context.Message.CommandId, Command = nameof(CreateService), AggregateId = id, Version = 1, At = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }
    }

    private static async Task<IHost> StartSilentOrchestratorAsync(IsolatedCluster cluster)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(cluster.Settings("silent"));
        TestHosts.Quiet(builder.Logging);
        builder.Services.AddSwarmManager(builder.Configuration, x => x.AddConsumer<SilentCreateServiceConsumer>(), runRelay: false);
        TestHosts.WaitForTheBus(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<IHost> StartOrchestratorAsync(IsolatedCluster cluster)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(cluster.Settings("orchestrator"));
        TestHosts.Quiet(builder.Logging);
        builder.AddOrchestrator();
        TestHosts.WaitForTheBus(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<WebApplication> StartControlApiAsync(IsolatedCluster cluster, int commandTimeoutSeconds)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(cluster.Settings("controlapi"));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Swarm:Relay"] = "false",
            ["Swarm:Ca:Key"] = Swarm.Security.KeyEncryptionKey.Generate(),
            ["ControlApi:Socket"] = Path.Combine(Path.GetTempPath(), $"swarm-answers-{Guid.NewGuid():N}", "control.sock"),
            ["ControlApi:CommandTimeoutSeconds"] = commandTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),

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
