using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Networks;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Api;

/// <summary>
/// <c>/api/networks</c> and the network parts of the service and task views, read from the read models (written here
/// directly: no orchestrator or allocator runs). Creating and removing a network needs the orchestrator; without it
/// only what the API refuses itself (400, 404) is checked here.
/// </summary>
public sealed class NetworkRoutesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);
    private static readonly Guid IngressId = Guid.Parse("00000000-0000-0000-0000-00000000a001");
    private static readonly Guid FrontendId = Guid.Parse("5f2a0000-0000-0000-0000-000000000001");
    private static readonly Guid BackendId = Guid.Parse("6b7c0000-0000-0000-0000-000000000002");

    private static async Task SeedAsync(ControlApiHost api)
    {
        await using var session = api.App.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Store(
            new Network { Id = IngressId, Name = "ingress", Driver = "overlay", Subnet = "10.0.0.0/24", Gateway = "10.0.0.1", Ingress = true, CreatedAt = At },
            new Network { Id = FrontendId, Name = "frontend", Driver = "overlay", Subnet = "10.0.1.0/24", Gateway = "10.0.1.1", Attachable = true, Labels = new Dictionary<string, string> { ["env"] = "prod" }, CreatedAt = At },
            new Network { Id = BackendId, Name = "backend", Driver = "overlay", Subnet = "10.0.2.0/24", Gateway = "10.0.2.1", CreatedAt = At },
            new Network { Id = Guid.NewGuid(), Name = "old", Driver = "overlay", Subnet = "10.0.3.0/24", Gateway = "10.0.3.1", CreatedAt = At, Removed = true });

        var webId = Guid.NewGuid();
        session.Store(
            new Service
            {
                Id = webId,
                Name = "web",
                CreatedAt = At,
                UpdatedAt = At,
                Spec = new ServiceSpec
                {
                    Name = "web",
                    Command = ["nginx"],
                    Networks = [new NetworkAttachmentSpec { Target = "frontend", Aliases = ["www"] }],
                    Ports = [new PortSpec { TargetPort = 80 }],
                },
                Endpoint = new ServiceEndpoint(
                    [new VirtualIp(FrontendId, "10.0.1.2"), new VirtualIp(IngressId, "10.0.0.2")],
                    [new PortSpec { TargetPort = 80, PublishedPort = 30001, Protocol = "tcp", Mode = "ingress" }]),
            },
            new Service
            {
                Id = Guid.NewGuid(),
                Name = "api",
                CreatedAt = At,
                UpdatedAt = At,
                Spec = new ServiceSpec
                {
                    Name = "api",
                    Command = ["./api"],
                    EndpointMode = "dnsrr",
                    Networks = [new NetworkAttachmentSpec { Target = BackendId.ToString() }],
                    Ports = [new PortSpec { TargetPort = 9000, PublishedPort = 9000, Mode = "host" }],
                },
            },
            new Service
            {
                Id = Guid.NewGuid(),
                Name = "gone",
                Removed = true,
                Spec = new ServiceSpec { Name = "gone", Command = ["true"], Networks = [new NetworkAttachmentSpec { Target = "frontend" }] },
            });
        session.Store(new SwarmTask
        {
            Id = Guid.NewGuid(),
            ServiceId = webId,
            ServiceName = "web",
            Slot = 1,
            Attempt = 1,
            DesiredState = DesiredState.Running,
            State = TaskState.Pending,
            CreatedAt = At,
            UpdatedAt = At,
            Spec = new ServiceSpec { Name = "web", Command = ["nginx"], Ports = [new PortSpec { TargetPort = 80 }] },
            Networks =
            [
                new NetworkAttachment { NetworkId = FrontendId, NetworkName = "frontend", Address = "10.0.1.5", VirtualIp = "10.0.1.2", Aliases = ["web", "www"] },
                new NetworkAttachment { NetworkId = IngressId, NetworkName = "ingress", Address = "10.0.0.7", VirtualIp = "10.0.0.2", Aliases = ["web"] },
            ],
            Ports = [new PortSpec { TargetPort = 80, PublishedPort = 30001, Protocol = "tcp", Mode = "ingress" }],
        });
        await session.SaveChangesAsync();
    }

    private static async Task<JsonNode> JsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(n => (string)n!).ToArray();

    [SkippableFact]
    public async Task Networks_are_listed_and_inspected_with_the_live_services_attached()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        await SeedAsync(api);
        using var client = api.Socket();

        var list = (await JsonAsync(client, "api/networks")).AsArray();

        Assert.Equal(["backend", "frontend", "ingress"], list.Select(n => (string)n!["name"]!));
        var frontend = list.Single(n => (string?)n!["name"] == "frontend")!;
        Assert.Equal(FrontendId, frontend["id"]!.GetValue<Guid>());
        Assert.Equal(("overlay", "swarm", "10.0.1.0/24", "10.0.1.1"), ((string?)frontend["driver"], (string?)frontend["scope"], (string?)frontend["subnet"], (string?)frontend["gateway"]));
        Assert.True((bool)frontend["attachable"]!);
        Assert.False((bool)frontend["ingress"]!);
        Assert.Equal("prod", (string?)frontend["labels"]!["env"]);
        Assert.Equal(["web"], Strings(frontend["services"]));
        Assert.Equal(["api"], Strings(list.Single(n => (string?)n!["name"] == "backend")!["services"]));
        var ingress = list.Single(n => (string?)n!["name"] == "ingress")!;
        Assert.True((bool)ingress["ingress"]!);
        Assert.Equal(["web"], Strings(ingress["services"]));

        Assert.Equal("frontend", (string?)(await JsonAsync(client, "api/networks/frontend"))["name"]);
        Assert.Equal("backend", (string?)(await JsonAsync(client, $"api/networks/{BackendId}"))["name"]);
        Assert.Equal("backend", (string?)(await JsonAsync(client, "api/networks/6b7c"))["name"]);
        Assert.Equal(["api"], Strings((await JsonAsync(client, "api/networks/backend"))["services"]));

        foreach (var missing in new[] { "old", "nope" })
        {
            using var response = await client.GetAsync($"api/networks/{missing}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal($"no network '{missing}'", (await response.Content.ReadFromJsonAsync<ApiErrorBody>())!.Reason);
        }
    }

    [SkippableFact]
    public async Task Service_and_task_views_show_networks_virtual_ips_and_resolved_ports()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        await SeedAsync(api);
        using var client = api.Socket();

        var web = await JsonAsync(client, "api/services/web");
        Assert.Equal("vip", (string?)web["endpointMode"]);
        var network = web["networks"]!.AsArray().Single()!;
        Assert.Equal(("frontend", "frontend", FrontendId), ((string?)network["target"], (string?)network["networkName"], network["networkId"]!.GetValue<Guid>()));
        Assert.Equal(["www"], Strings(network["aliases"]));
        var vips = web["endpoint"]!["virtualIps"]!.AsArray();
        Assert.Equal([("frontend", "10.0.1.2"), ("ingress", "10.0.0.2")], vips.Select(v => ((string?)v!["networkName"], (string?)v["address"])));
        Assert.Equal(30001, (int)web["endpoint"]!["ports"]![0]!["publishedPort"]!);

        var apiService = await JsonAsync(client, "api/services/api");
        Assert.Equal("dnsrr", (string?)apiService["endpointMode"]);
        Assert.Equal("backend", (string?)apiService["networks"]![0]!["networkName"]);
        Assert.Null(apiService["endpoint"]);

        var summaries = (await JsonAsync(client, "api/services")).AsArray();
        Assert.Equal(30001, (int)summaries.Single(s => (string?)s!["name"] == "web")!["ports"]![0]!["publishedPort"]!);
        Assert.Equal(9000, (int)summaries.Single(s => (string?)s!["name"] == "api")!["ports"]![0]!["publishedPort"]!);

        var task = (await JsonAsync(client, "api/tasks?service=web")).AsArray().Single()!;
        var attachments = task["networks"]!.AsArray();
        Assert.Equal([("frontend", "10.0.1.5", "10.0.1.2"), ("ingress", "10.0.0.7", "10.0.0.2")],
            attachments.Select(a => ((string?)a!["networkName"], (string?)a["address"], (string?)a["virtualIp"])));
        Assert.Equal(["web", "www"], Strings(attachments[0]!["aliases"]));
        Assert.Equal(30001, (int)task["ports"]![0]!["publishedPort"]!);

        var detail = await JsonAsync(client, $"api/tasks/{task["id"]}");
        Assert.Equal("10.0.1.5", (string?)detail["networks"]![0]!["address"]);
        Assert.Equal(30001, (int)detail["ports"]![0]!["publishedPort"]!);
    }

    [SkippableTheory]
    [InlineData("""{"name":"backend","attachable":"yes"}""", "spec.attachable", "true or false")]
    [InlineData("""{"name":"backend","subnetz":"10.1.0.0/24"}""", "spec", "unknown property 'subnetz'")]
    [InlineData("""{"name":"backend","labels":{"a":1}}""", "spec.labels.a", "wrong type")]
    [InlineData("""{"name":"backend",""", "spec", "malformed JSON")]
    [InlineData("""{"driver":"overlay"}""", "spec.name", "is required")]
    [InlineData("""{"name":"bad name"}""", "spec.name", "not a valid name")]
    [InlineData("""{"name":"backend","subnet":"10.1.0.0/33"}""", "spec.subnet", "not an IPv4 subnet")]
    [InlineData("""{"name":"backend","subnet":"10.1.0.0"}""", "spec.subnet", "not an IPv4 subnet")]
    [InlineData("""{"name":"backend","subnet":"10.1.0.0/30"}""", "spec.subnet", "prefix between /8 and /29")]
    [InlineData("""{"name":"backend","subnet":"10.1.0.0/24","gateway":"10.1.0"}""", "spec.gateway", "not an IPv4 address")]
    public async Task A_bad_network_spec_is_400_naming_the_field_and_writes_nothing(string body, string field, string reason)
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();
        var before = await EventCountAsync(api);

        using var response = await client.PostAsync("api/networks", new StringContent(body, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        var error = JsonNode.Parse(text)!;
        Assert.StartsWith(field, (string?)error["field"]);
        Assert.Contains(reason, (string?)error["reason"]);
        Assert.Equal(before, await EventCountAsync(api));
    }

    [SkippableFact]
    public async Task Removing_a_network_that_does_not_exist_is_404_naming_it()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        await SeedAsync(api);
        using var client = api.Socket();
        var before = await EventCountAsync(api);

        using var missing = await client.DeleteAsync("api/networks/nope");
        using var removed = await client.DeleteAsync("api/networks/old");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("no network 'nope'", (await missing.Content.ReadFromJsonAsync<ApiErrorBody>())!.Reason);
        Assert.Equal(HttpStatusCode.NotFound, removed.StatusCode);
        Assert.Equal(before, await EventCountAsync(api));
    }

    private static async Task<long> EventCountAsync(ControlApiHost api)
    {
        await using var query = api.App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.Events.QueryAllRawEvents().CountAsync();
    }
}
