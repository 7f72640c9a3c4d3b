using System.Diagnostics;
using System.Net;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// Task output from the process-executor workers through the dispatcher's log broker and the control
/// API: <c>GET /api/services/{name}/logs</c>.
/// </summary>
public sealed class LogsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Service_logs_carry_each_replicas_output_prefixed_with_its_slot_and_node_and_follow_takes_in_new_replicas()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await RunningCluster.StartAsync();
        output.WriteLine($"cluster up after {clock.Elapsed.TotalSeconds:0.0} s");
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
            var (status, body) = await cluster.PostAsync("/api/services", new
            {
                name = "echo",
                replicas = 2,
                command = new[] { "sh", "-c", "echo hello-$GREETING; echo to-stderr >&2; sleep 60" },
                env = new Dictionary<string, string> { ["GREETING"] = "world" },
            });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");
            var tasks = await Eventually.WaitAsync(() => cluster.TasksAsync("echo"), t => t.Count(x => x.Running) == 2, Timeout, "2 running tasks");
            output.WriteLine($"2 running after {clock.Elapsed.TotalSeconds:0.0} s");
            var expected = tasks.Where(t => t.Running).Select(t => $"echo.{t.Slot}@{t.Node} | hello-world").ToList();

            // the output is written by the task processes; it may take a moment to be there
            var lines = await Eventually.WaitAsync(async () => (await cluster.Api.GetStringAsync("/api/services/echo/logs?tail=10")).Split('\n', StringSplitOptions.RemoveEmptyEntries),
                l => expected.All(l.Contains), TimeSpan.FromSeconds(20), "a hello line from each replica");
            output.WriteLine($"service logs after {clock.Elapsed.TotalSeconds:0.0} s:\n{string.Join("\n", lines)}");
            Assert.Equal(4, lines.Length);
            Assert.All(tasks.Where(t => t.Running), t => Assert.Contains($"echo.{t.Slot}@{t.Node} | to-stderr", lines));

            // following the service: a replica added later comes in too
            using var follow = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await cluster.Api.GetAsync("/api/services/echo/logs?follow=true&tail=1", HttpCompletionOption.ResponseHeadersRead, follow.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(follow.Token));
            (status, body) = await cluster.PostAsync("/api/services/echo/update", new { replicas = 3 });
            Assert.True(status == HttpStatusCode.OK, $"update: {status} {body}");

            var followed = new List<string>();
            while (!followed.Any(l => l.StartsWith("echo.3@", StringComparison.Ordinal) && l.EndsWith("| hello-world", StringComparison.Ordinal)))
            {
                var line = await reader.ReadLineAsync(follow.Token);
                Assert.NotNull(line);
                followed.Add(line);
            }

            output.WriteLine($"followed after {clock.Elapsed.TotalSeconds:0.0} s:\n{string.Join("\n", followed)}");
            var third = Assert.Single(await cluster.TasksAsync("echo"), t => t.Slot == 3 && t.Running);
            Assert.Contains($"echo.3@{third.Node} | hello-world", followed);
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }
}
