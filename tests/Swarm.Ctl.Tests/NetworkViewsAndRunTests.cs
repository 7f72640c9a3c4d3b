using System.Text.Json;
using System.Text.Json.Nodes;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Output;
using Swarm.Ctl.Running;

namespace Swarm.Ctl.Tests;

/// <summary>How networks, published ports and task addresses are shown, and the network commands against an API double.</summary>
public class NetworkViewsAndRunTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 20, 31, 2, TimeSpan.Zero);
    private static readonly Guid FrontendId = Guid.Parse("0123456789abcdef0123456789abcdef");
    private static readonly Guid IngressId = Guid.Parse("fedcba9876543210fedcba9876543210");
    private static readonly Guid WebId = Guid.Parse("11111111222233334444555555555555");

    private static readonly NetworkView Frontend = new()
    {
        Id = FrontendId,
        Name = "frontend",
        Driver = "overlay",
        Subnet = "10.0.1.0/24",
        Gateway = "10.0.1.1",
        Labels = new Dictionary<string, string> { ["env"] = "prod" },
        CreatedAt = Now.AddMinutes(-5),
        Services = ["api", "web"],
    };

    private static readonly NetworkView Ingress = new()
    {
        Id = IngressId,
        Name = "ingress",
        Subnet = "10.0.0.0/24",
        Gateway = "10.0.0.1",
        Ingress = true,
        CreatedAt = Now.AddDays(-1),
    };

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Network_ls_shows_id_name_driver_subnet_and_scope()
    {
        var lines = Views.Networks([Frontend, Ingress]).TrimEnd('\n').Split('\n');

        Assert.Equal(["ID", "NAME", "DRIVER", "SUBNET", "SCOPE"], Cells(lines[0]));
        Assert.Equal(["0123456789ab", "frontend", "overlay", "10.0.1.0/24", "swarm"], Cells(lines[1]));
        Assert.Equal(["fedcba987654", "ingress", "overlay", "10.0.0.0/24", "swarm"], Cells(lines[2]));
    }

    [Fact]
    public void Network_pretty_shows_gateway_labels_and_the_services_attached()
    {
        var text = Views.Network(Frontend, Now);

        Assert.Contains("Gateway:    10.0.1.1\n", text);
        Assert.Contains("Label:      env=prod\n", text);
        Assert.Contains("Services:   api, web\n", text);
        Assert.Contains("Services:   none\n", Views.Network(Ingress, Now));
    }

    [Fact]
    public void Service_ls_ports_column_shows_published_to_target_per_port_as_docker()
    {
        var text = Views.Services(
        [
            new ServiceSummary
            {
                Id = WebId, Name = "web", Replicas = 1, Command = ["nginx"],
                Ports = [new PortSpec { PublishedPort = 18080, TargetPort = 80 }, new PortSpec { PublishedPort = 30000, TargetPort = 53, Protocol = "udp", Mode = "host" }],
            },
            new ServiceSummary { Id = FrontendId, Name = "quiet", Replicas = 1, Command = ["sleep"] },
        ]);

        var lines = text.TrimEnd('\n').Split('\n');
        var at = lines[0].IndexOf("PORTS", StringComparison.Ordinal);
        Assert.Equal("*:18080->80/tcp, *:30000->53/udp", lines[1][at..]);
        Assert.True(lines[2].Length <= at, "a service without ports has an empty PORTS cell");
    }

    [Fact]
    public void A_port_not_yet_given_a_number_shows_only_its_target()
    {
        Assert.Equal("80/tcp", Views.Port(new PortSpec { TargetPort = 80 }));
    }

    private static ServiceDetail Web(ServiceEndpointView? endpoint) => new()
    {
        Id = WebId,
        Name = "web",
        Replicas = 2,
        Running = 2,
        Spec = new ServiceSpec
        {
            Name = "web",
            Command = ["nginx"],
            Networks = [new NetworkAttachmentSpec { Target = "frontend", Aliases = ["www"] }, new NetworkAttachmentSpec { Target = "gone" }],
            Ports = [new PortSpec { TargetPort = 80 }],
        },
        Networks =
        [
            new ServiceNetworkView { Target = "frontend", NetworkId = FrontendId, NetworkName = "frontend", Aliases = ["www"] },
            new ServiceNetworkView { Target = "gone" },
        ],
        EndpointMode = "vip",
        Endpoint = endpoint,
        CreatedAt = Now,
        UpdatedAt = Now,
    };

    [Fact]
    public void Service_inspect_shows_endpoint_mode_networks_with_their_vips_and_the_resolved_ports()
    {
        var text = Views.Service(Web(new ServiceEndpointView
        {
            VirtualIps =
            [
                new VirtualIpView { NetworkId = FrontendId, NetworkName = "frontend", Address = "10.0.1.2" },
                new VirtualIpView { NetworkId = IngressId, NetworkName = "ingress", Address = "10.0.0.5" },
            ],
            Ports = [new PortSpec { TargetPort = 80, PublishedPort = 30001, Mode = "ingress" }],
        }), Now);

        Assert.Contains("Endpoint mode:     vip\n", text);
        Assert.Contains("Network:           frontend (VIP 10.0.1.2; aliases www)\n", text);
        Assert.Contains("Network:           gone (no such network)\n", text);
        Assert.Contains("Network:           ingress (VIP 10.0.0.5)\n", text);
        Assert.Contains("Port:              30001:80/tcp (ingress)\n", text);
    }

    [Fact]
    public void Service_inspect_before_allocation_shows_the_spec_ports()
    {
        var text = Views.Service(Web(null), Now);

        Assert.Contains("Port:              80/tcp (ingress)\n", text);
        Assert.Contains("Network:           frontend (aliases www)\n", text);
    }

    [Fact]
    public void Task_addresses_show_each_network_with_vip_and_aliases_and_the_ports()
    {
        var task = new TaskDetail
        {
            Networks =
            [
                new TaskNetworkView { NetworkId = FrontendId, NetworkName = "frontend", Address = "10.0.1.7", VirtualIp = "10.0.1.2", Aliases = ["web", "www"] },
                new TaskNetworkView { NetworkId = IngressId, NetworkName = "ingress", Address = "10.0.0.9" },
            ],
            Ports = [new PortSpec { TargetPort = 80, PublishedPort = 30001 }],
        };

        Assert.Equal(
            "Network: frontend 10.0.1.7 (VIP 10.0.1.2; aliases web, www)\nNetwork: ingress 10.0.0.9\nPort:    30001:80/tcp (ingress)\n",
            Views.TaskAddresses(task));
        Assert.Equal("", Views.TaskAddresses(new TaskDetail()));
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string api, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var exit = await SwarmCtl.MainAsync(args, stdout, stderr, api, cts.Token);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, ApiClient.Json);

    [Fact]
    public async Task Network_create_posts_the_spec_and_prints_the_id()
    {
        await using var api = new ScriptedApi((request, response) =>
            ScriptedApi.JsonAsync(response, Json(Frontend), request is { Method: "POST", Path: "api/networks" } ? 201 : 404));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "network", "create", "--subnet", "10.0.1.0/24", "--attachable", "frontend");

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Equal(FrontendId.ToString("N") + "\n", stdout.ReplaceLineEndings("\n"));
        var post = api.Requests.Single();
        var body = JsonNode.Parse(post[post.IndexOf('{', StringComparison.Ordinal)..])!;
        Assert.Equal("frontend", (string?)body["name"]);
        Assert.Equal("10.0.1.0/24", (string?)body["subnet"]);
        Assert.True((bool)body["attachable"]!);
    }

    [Fact]
    public async Task Network_create_refused_by_the_api_prints_the_field_and_reason_and_fails()
    {
        await using var api = new ScriptedApi((_, response) =>
            ScriptedApi.JsonAsync(response, """{"code":"conflict","field":"spec.subnet","reason":"10.0.1.0/24 overlaps network 'frontend'"}""", 409));

        var (exit, _, stderr) = await RunAsync(api.Url, "network", "create", "--subnet", "10.0.1.0/24", "backend");

        Assert.NotEqual(0, exit);
        Assert.Contains("spec.subnet: 10.0.1.0/24 overlaps network 'frontend'", stderr);
    }

    [Fact]
    public async Task Network_rm_tries_each_network_and_fails_naming_those_not_removed()
    {
        await using var api = new ScriptedApi((request, response) => request.Path switch
        {
            "api/networks/frontend" => ScriptedApi.JsonAsync(response, """{"code":"conflict","field":"","reason":"network 'frontend' is used by service(s) web"}""", 409),
            "api/networks/nope" => ScriptedApi.JsonAsync(response, """{"code":"not-found","field":"","reason":"no network 'nope'"}""", 404),
            _ => ScriptedApi.JsonAsync(response, $$"""{"id":"{{FrontendId}}","version":2}"""),
        });

        var (exit, stdout, stderr) = await RunAsync(api.Url, "network", "rm", "frontend", "backend", "nope");

        Assert.Equal(1, exit);
        Assert.Equal("backend\n", stdout.ReplaceLineEndings("\n"));
        Assert.Contains("swarmctl: frontend: network 'frontend' is used by service(s) web", stderr);
        Assert.Contains("swarmctl: nope: no network 'nope'", stderr);
        Assert.Equal(["DELETE api/networks/frontend", "DELETE api/networks/backend", "DELETE api/networks/nope"], api.Requests);
    }

    [Fact]
    public async Task Network_inspect_prints_a_json_array_and_names_a_missing_network()
    {
        await using var api = new ScriptedApi((request, response) => request.Path == "api/networks/frontend"
            ? ScriptedApi.JsonAsync(response, Json(Frontend))
            : ScriptedApi.JsonAsync(response, """{"code":"not-found","field":"","reason":"no network 'nope'"}""", 404));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "network", "inspect", "frontend", "nope");

        Assert.Equal(1, exit);
        var array = JsonNode.Parse(stdout)!.AsArray();
        Assert.Equal("frontend", (string?)array.Single()!["name"]);
        Assert.Equal("10.0.1.1", (string?)array.Single()!["gateway"]);
        Assert.Contains("swarmctl: nope: no network 'nope'", stderr);
    }

    [Fact]
    public async Task Network_ls_quiet_prints_the_ids()
    {
        await using var api = new ScriptedApi((_, response) => ScriptedApi.JsonAsync(response, Json(new[] { Frontend, Ingress })));

        var (exit, stdout, _) = await RunAsync(api.Url, "network", "ls", "-q");

        Assert.Equal(0, exit);
        Assert.Equal($"{FrontendId:N}\n{IngressId:N}\n", stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Service_update_network_add_posts_the_merged_spec_with_the_networks()
    {
        var posted = "";
        await using var api = new ScriptedApi((request, response) =>
        {
            if (request.Method == "POST")
            {
                posted = request.Body;
                return ScriptedApi.JsonAsync(response, $$"""{"id":"{{WebId}}","version":3}""");
            }

            return ScriptedApi.JsonAsync(response, Json(Web(null)));
        });

        var (exit, _, stderr) = await RunAsync(api.Url, "service", "update", "web", "--network-add", "backend,alias=b", "--network-rm", "gone", "--endpoint-mode", "dnsrr");

        Assert.Equal((0, ""), (exit, stderr));
        var spec = JsonNode.Parse(posted)!["spec"]!;
        Assert.Equal(["frontend", "backend"], spec["networks"]!.AsArray().Select(n => (string?)n!["target"]));
        Assert.Equal("b", (string?)spec["networks"]![1]!["aliases"]![0]);
        Assert.Equal("dnsrr", (string?)spec["endpointMode"]);
    }

    [Fact]
    public async Task Every_network_command_has_help_with_examples()
    {
        foreach (var verb in new[] { "create", "ls", "inspect", "rm" })
        {
            var stdout = new StringWriter();
            var exit = await SwarmCtl.MainAsync(["network", verb, "--help"], stdout, new StringWriter(), "http://127.0.0.1:1", CancellationToken.None);

            Assert.Equal(0, exit);
            Assert.Contains($"swarmctl network {verb}", stdout.ToString());
            Assert.Contains("Examples:", stdout.ToString(), StringComparison.OrdinalIgnoreCase);
        }
    }
}
