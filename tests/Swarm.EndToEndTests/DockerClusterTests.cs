using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// The real cluster with workers running tasks as containers of a real Docker engine (the one at
/// <c>SWARM_TEST_DOCKER</c>, which <c>./swarm test</c> starts when run as root).
/// </summary>
public sealed class DockerClusterTests(ITestOutputHelper output)
{
    private const string Image = "local/busybox";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static bool Running(TaskRow t) => t.Running;

    /// <summary>Runs the docker CLI (or a shell line using it) against the test engine.</summary>
    private static async Task<string> DockerAsync(string dockerHost, string shellLine)
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

    /// <summary>Task ids of the service's containers on the engine (stopped ones too).</summary>
    private static async Task<List<string>> ContainerTaskIdsAsync(string dockerHost, string service) =>
        (await DockerAsync(dockerHost, $"docker ps -a --filter label=com.swarm.service.name={service} --format '{{{{.Label \"com.swarm.task.id\"}}}}'"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static async Task EnsureImageAsync(string dockerHost)
    {
        var busybox = new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists);
        Skip.If(busybox is null, "busybox-static is not installed: no image to run");
        await DockerAsync(dockerHost, $"""
            docker image inspect {Image} >/dev/null 2>&1 && exit 0
            dir=$(mktemp -d) && chmod 755 "$dir" && mkdir -p "$dir/bin" "$dir/tmp" && chmod 1777 "$dir/tmp" && cp {busybox} "$dir/bin/busybox" &&
            for t in sh sleep echo cat touch test true false; do ln -s busybox "$dir/bin/$t"; done &&
            tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' - {Image} >/dev/null; rc=$?; rm -rf "$dir"; exit $rc
            """);
    }

    [SkippableFact]
    public async Task Replicas_run_as_labelled_containers_scale_down_removes_them_and_a_restarted_agent_adopts_them()
    {
        var dockerHost = Environment.GetEnvironmentVariable("SWARM_TEST_DOCKER");
        Skip.If(string.IsNullOrEmpty(dockerHost), "SWARM_TEST_DOCKER is not set: no Docker engine for the docker executor (./swarm test starts one when run as root)");
        await EnsureImageAsync(dockerHost);

        // a node is down after 3 missed heartbeats: the restarted agent below must register again within that
        // window (6 s), which starting it, asking the engine and adopting its containers take on a busy machine
        await using var cluster = await RunningCluster.StartAsync(heartbeatSeconds: 2);
        try
        {
            // only docker workers: the two process workers go away first
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "process workers ready");
            cluster.Kill("worker-1");
            cluster.Kill("worker-2");
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "DOWN"), Timeout, "process workers down");
            await cluster.StartWorkerAsync("docker-1", "docker", dockerHost);
            await cluster.StartWorkerAsync("docker-2", "docker", dockerHost);
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.GetValueOrDefault("docker-1") == "READY" && n.GetValueOrDefault("docker-2") == "READY", Timeout, "2 ready docker nodes");

            // 3 replicas → 3 containers labelled with their tasks
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "web", replicas = 3, image = Image, command = new[] { "sleep", "3600" } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");
            var tasks = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(Running) == 3, Timeout, "3 running tasks");
            var containers = await ContainerTaskIdsAsync(dockerHost, "web");
            output.WriteLine(await DockerAsync(dockerHost, "docker ps --filter label=com.swarm.service.name=web --format '{{.Names}} {{.Status}} {{.Label \"com.swarm.task.id\"}} {{.Label \"com.swarm.node.hostname\"}}'"));
            Assert.Equal(tasks.Where(Running).Select(t => t.Id).Order(), containers.Order());

            // scale to 1: two containers stopped and removed
            (status, body) = await cluster.PostAsync("/api/services/web/update", new { replicas = 1 });
            Assert.True(status == HttpStatusCode.OK, $"update: {status} {body}");
            // the two removed tasks are shut down, then reaped from the read model
            tasks = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(Running) == 1 && t.Count == 1, Timeout, "1 running, 2 shut down and reaped");
            containers = await Eventually.WaitAsync(() => ContainerTaskIdsAsync(dockerHost, "web"), c => c.Count == 1, Timeout, "1 container left");
            var survivor = Assert.Single(tasks, Running);
            Assert.Equal(survivor.Id, Assert.Single(containers));

            // kill -9 of the agent running it, then start it again: adopted, not duplicated
            var node = survivor.Node!;
            cluster.Kill(node);
            await cluster.StartWorkerAsync(node, "docker", dockerHost);
            await Task.Delay(TimeSpan.FromSeconds(3));
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.GetValueOrDefault(node) == "READY", Timeout, $"{node} ready again");
            tasks = await cluster.TasksAsync("web");
            Assert.Equal(survivor.Id, Assert.Single(tasks, Running).Id);
            Assert.Equal([survivor.Id], await ContainerTaskIdsAsync(dockerHost, "web"));
            Assert.Contains("Up", await DockerAsync(dockerHost, "docker ps --filter label=com.swarm.service.name=web --format '{{.Status}}'"));

            // a container exiting 3 fails its task with the exit code and is restarted per policy
            (status, body) = await cluster.PostAsync("/api/services", new
            {
                name = "crash",
                replicas = 1,
                image = Image,
                command = new[] { "sh", "-c", "exit 3" },
                restartPolicy = new { condition = "on-failure", delaySeconds = 0.2, maxAttempts = 1 },
            });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create crash: {status} {body}");
            var crashes = await Eventually.WaitAsync(() => cluster.TasksAsync("crash"), t => t.Count(x => x.State == "FAILED") == 2, Timeout, "2 failed attempts (1 + 1 restart)");
            Assert.All(crashes, t => Assert.Equal("task: non-zero exit (3)", t.Error));

            // a missing image rejects the task with a readable error; keep every attempt visible
            (status, body) = await cluster.PostAsync("/api/cluster/update", new { taskHistoryLimit = 10 });
            Assert.True(status == HttpStatusCode.OK, $"cluster update: {status} {body}");
            (status, body) = await cluster.PostAsync("/api/services", new
            {
                name = "ghost",
                replicas = 1,
                image = "local/no-such-image",
                command = new[] { "true" },
                restartPolicy = new { condition = "on-failure", delaySeconds = 0.2, maxAttempts = 6 },
            });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create ghost: {status} {body}");

            // after 5 failures on one node within 5 minutes the scheduler ranks that node last for the
            // service, so a later retry goes to the other node
            var ghosts = await Eventually.WaitAsync(() => cluster.TasksAsync("ghost"), t => t.Count(x => x.State == "REJECTED") == 7, Timeout, "7 rejected attempts (1 + 6 restarts)");
            Assert.All(ghosts, t => Assert.StartsWith("No such image: local/no-such-image", t.Error));
            var nodes = ghosts.OrderBy(t => t.Attempt).Select(t => t.Node).ToList();
            output.WriteLine($"ghost attempts ran on: {string.Join(", ", nodes)}");
            Assert.True(nodes.Distinct().Count() == 2, $"every retry stayed on one node: {string.Join(", ", nodes)}");
            var firstNode = nodes[0];
            var firstMove = nodes.FindIndex(n => n != firstNode);
            Assert.True(firstMove <= 5, $"the retry moved only after {firstMove} failures on {firstNode}");
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
        finally
        {
            await DockerAsync(dockerHost, "ids=$(docker ps -aq --filter label=com.swarm.node.hostname=docker-1; docker ps -aq --filter label=com.swarm.node.hostname=docker-2); [ -z \"$ids\" ] || docker rm -f $ids >/dev/null");
        }
    }
}
