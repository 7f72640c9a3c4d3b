using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// The real cluster, every service its own process, two workers running tasks as local processes.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static bool Running(TaskRow t) => t.Running;

    [SkippableFact]
    public async Task Replicas_spread_scale_down_restart_in_their_slot_and_move_off_a_dead_node()
    {
        await using var cluster = await RunningCluster.StartAsync();
        try
        {
            var nodes = await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
            output.WriteLine($"nodes: {string.Join(", ", nodes)}");

            // 6 replicas → RUNNING, 3 on each node, slots 1..6
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "web", replicas = 6, command = new[] { "sleep", "3600" } });
            Assert.True(status == HttpStatusCode.Created || status == HttpStatusCode.OK, $"create: {status} {body}");
            var tasks = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(Running) == 6, Timeout, "6 running tasks");
            Assert.Equal([1, 2, 3, 4, 5, 6], tasks.Where(Running).Select(t => t.Slot).Order());
            Assert.Equal(3, tasks.Count(t => Running(t) && t.Node == "worker-1"));
            Assert.Equal(3, tasks.Count(t => Running(t) && t.Node == "worker-2"));
            var ls = await cluster.SwarmctlAsync("service", "ls");
            output.WriteLine(ls.Stdout);
            Assert.Contains("6/6", ls.Stdout);

            // scale to 2: four are removed and stopped
            (status, body) = await cluster.PostAsync("/api/services/web/update", new { replicas = 2 });
            Assert.True(status == HttpStatusCode.OK, $"update: {status} {body}");
            // the four removed tasks are stopped, then reaped from the read model (their history stays in the log)
            tasks = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(Running) == 2 && t.Count == 2, Timeout, "2 running, the 4 removed ones stopped and reaped");
            Assert.Single(tasks, t => Running(t) && t.Node == "worker-1");
            Assert.Single(tasks, t => Running(t) && t.Node == "worker-2");

            // a command that exits 1 is restarted per policy, in the same slot
            (status, body) = await cluster.PostAsync("/api/services", new
            {
                name = "crash",
                replicas = 1,
                command = new[] { "sh", "-c", "sleep 0.3; exit 1" },
                restartPolicy = new { condition = "on-failure", delaySeconds = 0.5, maxAttempts = 2 },
            });
            Assert.True(status == HttpStatusCode.Created || status == HttpStatusCode.OK, $"create crash: {status} {body}");
            var crashes = await Eventually.WaitAsync(() => cluster.TasksAsync("crash"), t => t.Count(x => x.State == "FAILED") == 3, Timeout, "3 failed attempts (1 + 2 restarts)");
            Assert.All(crashes, t => Assert.Equal(1, t.Slot));
            Assert.Equal([1, 2, 3], crashes.Select(t => t.Attempt).Order());
            Assert.All(crashes, t => Assert.Equal("task: non-zero exit (1)", t.Error));
            await Task.Delay(2000);
            Assert.Equal(3, (await cluster.TasksAsync("crash")).Count); // max attempts reached: no more

            // kill -9 a worker: its node goes DOWN and its task runs on the other node
            var killedAt = Stopwatch.StartNew();
            cluster.Kill("worker-2");
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n["worker-2"] == "DOWN", TimeSpan.FromSeconds(30), "worker-2 down");
            var downAfter = killedAt.Elapsed;
            output.WriteLine($"worker-2 marked DOWN {downAfter.TotalSeconds:0.0}s after kill -9");
            Assert.True(downAfter < TimeSpan.FromSeconds(25), $"node marked down after {downAfter.TotalSeconds:0.0}s");
            tasks = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(x => Running(x) && x.Node == "worker-1") == 2, Timeout, "both web replicas running on worker-1");
            Assert.Equal(2, tasks.Where(Running).Select(t => t.Slot).Distinct().Count());
            output.WriteLine((await cluster.SwarmctlAsync("service", "ps", "web")).Stdout);
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }

    [SkippableFact]
    public async Task Invalid_specs_are_refused_by_the_api_and_the_cli_with_the_field_named_and_nothing_is_written()
    {
        await using var cluster = await RunningCluster.StartAsync();
        try
        {
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "bad", replicas = -1, command = new[] { "sleep", "1" } });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("spec.replicas", body.GetProperty("field").GetString());

            (status, body) = await cluster.PostAsync("/api/services", new { name = "bad", replicas = 1, command = Array.Empty<string>() });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("spec.command", body.GetProperty("field").GetString());

            (status, body) = await cluster.PostAsync("/api/services", new { name = "bad", command = new[] { "true" }, restartPolicy = new { condition = "sometimes" } });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("spec.restartPolicy.condition", body.GetProperty("field").GetString());

            var cli = await cluster.SwarmctlAsync("service", "create", "--name", "bad", "--replicas", "-1", "--", "sleep", "1");
            Assert.NotEqual(0, cli.ExitCode);
            Assert.Contains("replicas", cli.Stderr);

            cli = await cluster.SwarmctlAsync("service", "create", "--name", "bad", "--restart-condition", "sometimes", "--", "sleep", "1");
            Assert.NotEqual(0, cli.ExitCode);
            Assert.Contains("sometimes", cli.Stderr);

            Assert.Equal(0, (await cluster.GetAsync("/api/services")).GetArrayLength());

            (status, _) = await cluster.PostAsync("/api/services", new { name = "once", replicas = 0, command = new[] { "true" } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK);
            (status, body) = await cluster.PostAsync("/api/services", new { name = "once", replicas = 0, command = new[] { "true" } });
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Equal("spec.name", body.GetProperty("field").GetString());
            cli = await cluster.SwarmctlAsync("service", "create", "--name", "once", "--", "true");
            Assert.NotEqual(0, cli.ExitCode);
            Assert.Contains("already exists", cli.Stderr);
            Assert.Equal(1, (await cluster.GetAsync("/api/services")).GetArrayLength());
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }
}
