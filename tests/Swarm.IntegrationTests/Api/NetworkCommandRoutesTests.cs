using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Networks;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Messaging;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Api;

/// <summary>
/// <c>POST</c> and <c>DELETE /api/networks</c> against a stand-in for the orchestrator's network consumers: the command
/// the API sends, its answer when accepted (201 with the network read back) and a rejection mapped to its status.
/// </summary>
public sealed class NetworkCommandRoutesTests
{
    /// <summary>Creates the network as the orchestrator would (one event, the read model inline); refuses every removal as in use.</summary>
    public sealed class StandInNetworkConsumer(IDocumentStore store) : IConsumer<CreateNetwork>, IConsumer<RemoveNetwork>
    {
        public static readonly List<object> Received = [];

        public async Task Consume(ConsumeContext<CreateNetwork> context)
        {
            lock (Received)
            {
                Received.Add(context.Message);
            }

            var id = Guid.NewGuid();
            await using var session = store.LightweightSession();
            var spec = context.Message.Spec;
            session.Events.StartStream<Network>(id, new NetworkCreated
            {
                NetworkId = id,
                Name = spec.Name,
                Driver = spec.Driver ?? "overlay",
                Subnet = spec.Subnet ?? "10.0.7.0/24",
                Gateway = spec.Gateway ?? "10.0.7.1",
                Attachable = spec.Attachable,
                Labels = spec.Labels,
                At = DateTimeOffset.UtcNow,
            });
            await session.SaveChangesAsync();
            await context.RespondAsync(new CommandAccepted { CommandId = context.Message.CommandId, Id = id, Version = 1 });
        }

        public async Task Consume(ConsumeContext<RemoveNetwork> context)
        {
            lock (Received)
            {
                Received.Add(context.Message);
            }

            await context.RespondAsync(new CommandRejected
            {
                CommandId = context.Message.CommandId,
                Command = nameof(RemoveNetwork),
                Code = "conflict",
                Field = "network",
                Reason = "network 'frontend' is used by service(s) web",
            });
        }
    }

    private static async Task<IHost> StartStandInAsync(IsolatedCluster cluster)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(cluster.Settings("orchestrator"));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Swarm:Relay"] = "false" });
        TestHosts.Quiet(builder.Logging);
        builder.AddSwarmManager(x => x.AddConsumer<StandInNetworkConsumer>());
        TestHosts.WaitForTheBus(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    [SkippableFact]
    public async Task Create_answers_201_with_the_network_and_a_refused_removal_is_409_with_the_reason()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var standIn = await StartStandInAsync(cluster);
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();
        try
        {
            const string body = """{"name":"frontend","subnet":"10.0.7.0/24","attachable":true,"labels":{"env":"prod"}}""";
            using var created = await client.PostAsync("api/networks", new StringContent(body, Encoding.UTF8, "application/json"));

            var text = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode} {text}");
            var view = JsonNode.Parse(text)!;
            var id = view["id"]!.GetValue<Guid>();
            Assert.Equal($"/api/networks/{id}", created.Headers.Location?.ToString());
            Assert.Equal(("frontend", "overlay", "10.0.7.0/24", "10.0.7.1", true), ((string?)view["name"], (string?)view["driver"], (string?)view["subnet"], (string?)view["gateway"], (bool)view["attachable"]!));
            Assert.Equal("prod", (string?)view["labels"]!["env"]);
            var sent = Assert.IsType<CreateNetwork>(StandInNetworkConsumer.Received.First(m => m is CreateNetwork c && c.Spec.Name == "frontend"));
            Assert.Equal("10.0.7.0/24", sent.Spec.Subnet);
            Assert.True(sent.Spec.Attachable);

            using var removed = await client.DeleteAsync("api/networks/frontend");

            Assert.Equal(HttpStatusCode.Conflict, removed.StatusCode);
            var error = (await removed.Content.ReadFromJsonAsync<ApiErrorBody>())!;
            Assert.Equal(("conflict", "network 'frontend' is used by service(s) web"), (error.Code, error.Reason));
            lock (StandInNetworkConsumer.Received)
            {
                Assert.Contains(StandInNetworkConsumer.Received, m => m is RemoveNetwork r && r.Network == id.ToString());
            }
        }
        finally
        {
            await standIn.StopAsync();
        }
    }
}
