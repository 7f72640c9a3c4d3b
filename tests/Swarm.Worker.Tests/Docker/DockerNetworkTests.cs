using System.Net;
using System.Net.Sockets;
using ContainerInspectResponse = Docker.DotNet.Models.ContainerInspectResponse;
using ContainersListParameters = Docker.DotNet.Models.ContainersListParameters;
using NetworkResponse = Docker.DotNet.Models.NetworkResponse;
using NetworksListParameters = Docker.DotNet.Models.NetworksListParameters;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Docker;

namespace Swarm.Worker.Tests.Docker;

/// <summary>
/// Network attachments and published ports on a real engine: node networks created from the allocation,
/// containers on them with their allocated addresses and aliases (resolved by Docker's embedded DNS),
/// host-mode ports bound published → target, the agent's ingress proxy, and unused networks removed.
/// </summary>
[Collection(DockerEngineCollection.Name)]
public sealed class DockerNetworkTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly DockerEngineFixture _engine;
    private readonly RecordingSink _sink = new();
    private readonly string _hostname = "dn-" + Guid.NewGuid().ToString("N")[..8];

    // a subnet of its own per test class instance, away from the cluster pool's first networks
    private readonly int _octet = Random.Shared.Next(0, 250);
    private readonly int _second = Random.Shared.Next(200, 250);

    public DockerNetworkTests(DockerEngineFixture engine)
    {
        _engine = engine;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_engine.Client is null)
        {
            return;
        }

        using var executor = Executor();
        await executor.CleanupAsync(new HashSet<string>(), CancellationToken.None);
    }

    private DockerExecutor Executor() =>
        new(DockerEngine.CreateClient(_engine.Endpoint!), _hostname, () => "node-" + _hostname, TimeProvider.System, NullLogger.Instance)
        {
            PullTimeout = TimeSpan.FromSeconds(15),
            HealthPollInterval = TimeSpan.FromMilliseconds(100),
        };

    private TaskNetwork Network(string name, int third = 0) => new()
    {
        NetworkId = Guid.NewGuid().ToString(),
        NetworkName = name,
        Driver = "overlay",
        Subnet = $"10.{_second}.{(_octet + third) % 256}.0/24",
        Gateway = $"10.{_second}.{(_octet + third) % 256}.1",
    };

    private static TaskNetwork On(TaskNetwork network, int host, params string[] aliases) => network with
    {
        Address = network.Subnet[..network.Subnet.LastIndexOf('.')] + "." + host,
        Aliases = aliases,
    };

    private static TaskAssignment NewTask(string service, IReadOnlyList<TaskNetwork> networks, IReadOnlyList<TaskPort>? ports, params string[] command)
    {
        var id = Guid.NewGuid().ToString("N");
        return new TaskAssignment
        {
            TaskId = id,
            ServiceId = "svc-" + service,
            ServiceName = service,
            Slot = 1,
            DesiredState = DesiredState.Running,
            State = TaskState.Assigned,
            Spec = new TaskRunSpec { Image = DockerEngineFixture.NetImage, Command = command, StopGracePeriodSeconds = 1, Networks = networks, Ports = ports ?? [] },
        };
    }

    private static string[] Web(string page) => ["sh", "-c", $"mkdir -p /www && echo {page} > /www/index.html && exec httpd -f -p 80 -h /www"];

    private (TaskRunner Runner, Task Run) Start(DockerExecutor executor, TaskAssignment task)
    {
        var runner = new TaskRunner(task, executor.Controller(task), _sink, TimeProvider.System, NullLogger.Instance);
        return (runner, runner.RunAsync(CancellationToken.None));
    }

    private async Task StopAsync((TaskRunner Runner, Task Run) task)
    {
        task.Runner.UpdateDesired(DesiredState.Shutdown);
        await task.Run.WaitAsync(Timeout);
    }

    private async Task<ContainerInspectResponse> ContainerOf(string taskId)
    {
        var list = await _engine.Client!.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.TaskId}={taskId}"] = true } },
        });
        return await _engine.Client.Containers.InspectContainerAsync(Assert.Single(list).ID);
    }

    private async Task<List<NetworkResponse>> EngineNetworksOf(TaskNetwork network) =>
        (await _engine.Client!.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.NetworkId}={network.NetworkId}"] = true } },
        })).ToList();

    private static async Task<string> GetAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                return (await http.GetStringAsync($"http://127.0.0.1:{port}/")).Trim();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    private static bool Listening(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [SkippableFact]
    public async Task A_container_gets_its_allocated_address_and_aliases_and_a_peer_resolves_the_service_by_name()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var front = Network("front");
        var web = NewTask("web", [On(front, 10, "web", "www")], null, Web("hello-web"));
        var webRun = Start(executor, web);
        await _sink.WaitForAsync(web.TaskId, TaskState.Running, Timeout);

        // the node network: a bridge from the allocation, labelled with the cluster network
        var engineNetwork = Assert.Single(await EngineNetworksOf(front));
        Assert.Equal(DockerNetworks.EngineName(front), engineNetwork.Name);
        Assert.Equal("bridge", engineNetwork.Driver);
        Assert.Equal(front.Subnet, Assert.Single(engineNetwork.IPAM.Config).Subnet);
        Assert.Equal(front.Gateway, engineNetwork.IPAM.Config[0].Gateway);

        var inspect = await ContainerOf(web.TaskId);
        var endpoint = inspect.NetworkSettings.Networks[engineNetwork.Name];
        Assert.Equal(On(front, 10).Address, endpoint.IPAddress);
        Assert.Contains("web", endpoint.Aliases);
        Assert.Contains("www", endpoint.Aliases);

        // a client on the same network fetches the page by the service name and by the alias (exit 0 = it did)
        var client = NewTask("client", [On(front, 11, "client")], null,
            "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://web/ | grep -q hello-web && wget -qO- http://www/ | grep -q hello-web && exit 0; sleep 0.5; done; exit 1");
        var clientRun = Start(executor, client);
        var done = await _sink.WaitForTerminalAsync(client.TaskId, Timeout);
        Assert.Equal(TaskState.Complete, done.State);
        await clientRun.Run.WaitAsync(Timeout);

        // on another network the name does not resolve
        var other = Network("other", 1);
        var stranger = NewTask("stranger", [On(other, 11, "stranger")], null, "sh", "-c", "nslookup web && exit 0; exit 7");
        var strangerRun = Start(executor, stranger);
        var refused = await _sink.WaitForTerminalAsync(stranger.TaskId, Timeout);
        Assert.Equal(TaskState.Failed, refused.State);
        Assert.Equal(7, refused.ExitCode);
        await strangerRun.Run.WaitAsync(Timeout);

        await StopAsync(webRun);
    }

    [SkippableFact]
    public async Task A_task_on_two_networks_is_connected_to_both_with_its_addresses()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var a = Network("a", 2);
        var b = Network("b", 3);
        var task = NewTask("multi", [On(a, 20, "multi"), On(b, 21, "multi", "m")], null, "sleep", "60");
        var run = Start(executor, task);
        await _sink.WaitForAsync(task.TaskId, TaskState.Running, Timeout);

        var networks = (await ContainerOf(task.TaskId)).NetworkSettings.Networks;
        Assert.Equal(On(a, 20).Address, networks[DockerNetworks.EngineName(a)].IPAddress);
        Assert.Equal(On(b, 21).Address, networks[DockerNetworks.EngineName(b)].IPAddress);
        Assert.Contains("m", networks[DockerNetworks.EngineName(b)].Aliases);

        await StopAsync(run);
    }

    [SkippableFact]
    public async Task A_host_mode_port_answers_on_the_published_port_and_the_target_port_stays_unbound()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var published = FreePort();
        var front = Network("pub", 4);
        var web = NewTask("pubweb", [On(front, 10, "pubweb")], [new TaskPort(80, published, "tcp", "host")], Web("published-page"));
        var run = Start(executor, web);
        await _sink.WaitForAsync(web.TaskId, TaskState.Running, Timeout);

        Assert.Equal("published-page", await GetAsync(published));
        Assert.False(Listening(80), "something answers on the host's port 80");
        var bindings = (await ContainerOf(web.TaskId)).HostConfig.PortBindings["80/tcp"];
        Assert.Equal(published.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(bindings).HostPort);

        await StopAsync(run);
        Assert.False(Listening(published), "the published port is still bound after the task stopped");
    }

    [SkippableFact]
    public async Task The_ingress_proxy_forwards_the_published_port_to_the_local_tasks_while_they_run()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var published = FreePort();
        var ingress = Network(TaskNetwork.IngressName, 5);
        var one = NewTask("mesh", [On(ingress, 10, "mesh")], [new TaskPort(80, published)], Web("page-one"));
        var two = NewTask("mesh", [On(ingress, 11, "mesh")], [new TaskPort(80, published)], Web("page-two"));
        var runOne = Start(executor, one);
        var runTwo = Start(executor, two);
        await _sink.WaitForAsync(one.TaskId, TaskState.Running, Timeout);
        await _sink.WaitForAsync(two.TaskId, TaskState.Running, Timeout);

        Assert.Contains(published, executor.IngressPorts);
        var pages = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            pages.Add(await GetAsync(published));
        }

        // round-robin over both local tasks
        Assert.Equal(["page-one", "page-two"], pages.Order());

        await StopAsync(runOne);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("page-two", await GetAsync(published));
        }

        await StopAsync(runTwo);
        Assert.DoesNotContain(published, executor.IngressPorts);
        Assert.False(Listening(published), "the ingress port is still open with no task left");
    }

    [SkippableFact]
    public async Task A_network_no_task_uses_any_more_is_removed_and_a_shared_one_stays()
    {
        _engine.SkipIfUnavailable();
        using var executor = Executor();
        var shared = Network("shared", 6);
        var solo = Network("solo", 7);
        var first = NewTask("first", [On(shared, 10, "first"), On(solo, 10, "first")], null, "sleep", "60");
        var second = NewTask("second", [On(shared, 11, "second")], null, "sleep", "60");
        var runFirst = Start(executor, first);
        var runSecond = Start(executor, second);
        await _sink.WaitForAsync(first.TaskId, TaskState.Running, Timeout);
        await _sink.WaitForAsync(second.TaskId, TaskState.Running, Timeout);
        Assert.Single(await EngineNetworksOf(solo));

        await StopAsync(runFirst);
        Assert.Empty(await EngineNetworksOf(solo));
        Assert.Single(await EngineNetworksOf(shared));

        await StopAsync(runSecond);
        Assert.Empty(await EngineNetworksOf(shared));
    }

    [SkippableFact]
    public async Task A_restarted_agent_adopts_a_container_on_a_network_and_serves_its_ingress_port_again()
    {
        _engine.SkipIfUnavailable();
        var published = FreePort();
        var ingress = Network(TaskNetwork.IngressName, 8);
        var web = NewTask("adopted", [On(ingress, 10, "adopted")], [new TaskPort(80, published)], Web("still-here"));
        using (var first = Executor())
        using (var shutdown = new CancellationTokenSource())
        {
            var runner = new TaskRunner(web, first.Controller(web), _sink, TimeProvider.System, NullLogger.Instance);
            var run = runner.RunAsync(shutdown.Token);
            await _sink.WaitForAsync(web.TaskId, TaskState.Running, Timeout);
            Assert.Equal("still-here", await GetAsync(published));
            await shutdown.CancelAsync();
            await run.WaitAsync(Timeout);
        }

        // the agent went away: its proxy with it, the container and its network stay
        Assert.False(Listening(published));
        Assert.Single(await EngineNetworksOf(ingress));

        using var second = Executor();
        await second.CleanupAsync(new HashSet<string> { web.TaskId }, CancellationToken.None);
        Assert.Single(await EngineNetworksOf(ingress));
        var adopted = Start(second, web with { State = TaskState.Running });
        await Eventually.HoldsAsync(() => second.IngressPorts.Contains(published), 30);
        Assert.Equal("still-here", await GetAsync(published));
        Assert.Equal(On(ingress, 10).Address, (await ContainerOf(web.TaskId)).NetworkSettings.Networks[DockerNetworks.EngineName(ingress)].IPAddress);

        await StopAsync(adopted);
        Assert.Empty(await EngineNetworksOf(ingress));
    }
}
