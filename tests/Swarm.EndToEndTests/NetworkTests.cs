using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// Networks on a real Docker engine, through the whole cluster: services on a cluster network find each other by
/// name through Docker's embedded DNS, other networks do not see them, published ports answer on the host (through
/// the agents' ingress proxy), the allocator gives ingress ports numbers, and the control API refuses a taken port
/// and the removal of a network in use. Workers are docker workers on the engine at <c>SWARM_TEST_DOCKER</c>.
/// </summary>
public sealed class NetworkTests(ITestOutputHelper output)
{
    /// <summary>busybox with httpd, wget and nslookup: a name of its own, so an engine holding the older <c>local/busybox</c> builds it.</summary>
    private const string Image = "local/busybox-net";
    private const int PublishedPort = 18080;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static async Task<string> ShellAsync(string dockerHost, string shellLine)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(shellLine);
        psi.Environment["DOCKER_HOST"] = dockerHost;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"{shellLine}: exit {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static async Task EnsureImageAsync(string dockerHost)
    {
        var busybox = new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists);
        Skip.If(busybox is null, "busybox-static is not installed: no image to run");
        await ShellAsync(dockerHost, $"""
            docker image inspect {Image} >/dev/null 2>&1 && exit 0
            dir=$(mktemp -d) && chmod 755 "$dir" && mkdir -p "$dir/bin" "$dir/tmp" && chmod 1777 "$dir/tmp" && cp {busybox} "$dir/bin/busybox" &&
            for t in sh sleep echo cat touch test true false mkdir grep httpd wget nslookup; do ln -s busybox "$dir/bin/$t"; done &&
            tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' - {Image} >/dev/null; rc=$?; rm -rf "$dir"; exit $rc
            """);
    }

    private static async Task<string> HttpGetAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                return (await http.GetStringAsync($"http://127.0.0.1:{port}/")).Trim();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
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

    private static object[] Net(string name) => [new { target = name }];

    private static string[] Web(string page) => ["sh", "-c", $"mkdir -p /www && echo {page} > /www/index.html && exec httpd -f -p 80 -h /www"];

    private async Task CreateAsync(RunningCluster cluster, object spec)
    {
        var (status, body) = await cluster.PostAsync("/api/services", spec);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");
    }

    private static async Task<TaskRow> EndedAsync(RunningCluster cluster, string service) =>
        (await Eventually.WaitAsync(() => cluster.TasksAsync(service), t => t.Any(x => x.State is "COMPLETE" or "FAILED" or "REJECTED"), Timeout, $"{service} ended"))
            .First(x => x.State is "COMPLETE" or "FAILED" or "REJECTED");

    [SkippableFact]
    public async Task Services_on_a_network_reach_each_other_by_name_published_ports_answer_and_conflicts_are_refused()
    {
        var dockerHost = Environment.GetEnvironmentVariable("SWARM_TEST_DOCKER");
        Skip.If(string.IsNullOrEmpty(dockerHost), "SWARM_TEST_DOCKER is not set: no Docker engine for the docker executor (./swarm test starts one when run as root)");
        Skip.If(Listening(PublishedPort), $"something on this host listens on port {PublishedPort} already");
        await EnsureImageAsync(dockerHost);

        await using var cluster = await RunningCluster.StartAsync(heartbeatSeconds: 2);
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "process workers ready");
            cluster.Kill("worker-1");
            cluster.Kill("worker-2");
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "DOWN"), Timeout, "process workers down");
            await cluster.StartWorkerAsync("docker-1", "docker", dockerHost);
            await cluster.StartWorkerAsync("docker-2", "docker", dockerHost);
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.GetValueOrDefault("docker-1") == "READY" && n.GetValueOrDefault("docker-2") == "READY", Timeout, "2 ready docker nodes");

            // two networks
            foreach (var name in new[] { "front", "other" })
            {
                var (created, network) = await cluster.PostAsync("/api/networks", new { name });
                Assert.True(created == HttpStatusCode.Created, $"network {name}: {created} {network}");
            }

            // web on front, published 18080 -> 80 (ingress): two replicas, one per node
            await CreateAsync(cluster, new
            {
                name = "web",
                replicas = 2,
                image = Image,
                command = Web("hello-from-web"),
                networks = Net("front"),
                ports = new[] { new { targetPort = 80, publishedPort = PublishedPort } },
            });
            var webTasks = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(x => x.Running) == 2, Timeout, "2 running web tasks");
            output.WriteLine(await ShellAsync(dockerHost, "docker ps --filter label=com.swarm.service.name=web --format '{{.Names}} {{.Networks}} {{.Label \"com.swarm.node.hostname\"}}'; docker network ls --filter label=com.swarm.network.id"));

            // the task views show their addresses on front
            var webService = await cluster.GetAsync("/api/services/web");
            output.WriteLine(webService.ToString());
            var tasksJson = await cluster.GetAsync("/api/services/web/tasks");
            foreach (var t in tasksJson.EnumerateArray().Where(t => t.GetProperty("state").GetString()!.Equals("running", StringComparison.OrdinalIgnoreCase)))
            {
                Assert.Contains(t.GetProperty("networks").EnumerateArray(), n => n.GetProperty("networkName").GetString() == "front" && n.GetProperty("address").GetString()!.Length > 0);
            }

            // a client on front fetches http://web/ by name
            await CreateAsync(cluster, new
            {
                name = "client",
                replicas = 1,
                image = Image,
                command = new[] { "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do wget -qO- http://web/ | grep -q hello-from-web && exit 0; sleep 1; done; exit 1" },
                networks = Net("front"),
                restartPolicy = new { condition = "none" },
            });
            var client = await EndedAsync(cluster, "client");
            Assert.True(client.State == "COMPLETE", $"the client on front did not get the page: {client.State} {client.Error}");

            // a client on another network cannot resolve web
            await CreateAsync(cluster, new
            {
                name = "stranger",
                replicas = 1,
                image = Image,
                command = new[] { "sh", "-c", "sleep 1; nslookup web && exit 0; exit 7" },
                networks = Net("other"),
                restartPolicy = new { condition = "none" },
            });
            var stranger = await EndedAsync(cluster, "stranger");
            Assert.True(stranger.State == "FAILED" && stranger.Error == "task: non-zero exit (7)", $"web resolved on the other network: {stranger.State} {stranger.Error}");

            // the published port answers on the host, and nothing listens on the host's port 80
            Assert.Equal("hello-from-web", await HttpGetAsync(PublishedPort));
            Assert.False(Listening(80), "something answers on the host's port 80");

            // an ingress port without a number is given one in 30000-32767, and it answers
            await CreateAsync(cluster, new
            {
                name = "auto",
                replicas = 1,
                image = Image,
                command = Web("hello-from-auto"),
                ports = new[] { new { targetPort = 80 } },
            });
            var auto = await Eventually.WaitAsync(
                () => cluster.GetAsync("/api/services/auto"),
                s => s.TryGetProperty("endpoint", out var e) && e.ValueKind == JsonValueKind.Object && e.GetProperty("ports").GetArrayLength() == 1,
                Timeout,
                "auto's endpoint");
            var autoPort = auto.GetProperty("endpoint").GetProperty("ports")[0].GetProperty("publishedPort").GetInt32();
            Assert.InRange(autoPort, 30000, 32767);
            await Eventually.WaitAsync(() => cluster.TasksAsync("auto"), t => t.Count(x => x.Running) == 1, Timeout, "auto running");
            Assert.Equal("hello-from-auto", await HttpGetAsync(autoPort));

            // the published port is taken: refused, naming the port and the service
            var (status, body) = await cluster.PostAsync("/api/services", new
            {
                name = "dup",
                replicas = 1,
                image = Image,
                command = Web("dup"),
                ports = new[] { new { targetPort = 80, publishedPort = PublishedPort } },
            });
            Assert.True(status == HttpStatusCode.Conflict, $"a duplicate published port: {status} {body}");
            Assert.Contains(PublishedPort.ToString(System.Globalization.CultureInfo.InvariantCulture), body.ToString());
            Assert.Contains("web", body.ToString());

            // front is used by web: not removed
            var delete = await cluster.Api.DeleteAsync("/api/networks/front");
            var deleteBody = await delete.Content.ReadAsStringAsync();
            Assert.True(delete.StatusCode == HttpStatusCode.Conflict, $"removing a used network: {delete.StatusCode} {deleteBody}");
            Assert.Contains("web", deleteBody);

            // web removed: its port closes and its node networks go
            var removed = await cluster.Api.DeleteAsync("/api/services/web");
            Assert.True(removed.IsSuccessStatusCode, $"remove web: {removed.StatusCode}");
            await Eventually.WaitAsync(() => Task.FromResult(Listening(PublishedPort)), l => !l, Timeout, $"port {PublishedPort} closed");
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
        finally
        {
            await ShellAsync(dockerHost, "ids=$(docker ps -aq --filter label=com.swarm.node.hostname=docker-1; docker ps -aq --filter label=com.swarm.node.hostname=docker-2); [ -z \"$ids\" ] || docker rm -f $ids >/dev/null; docker network prune -f --filter label=com.swarm.network.id >/dev/null");
        }
    }
}
