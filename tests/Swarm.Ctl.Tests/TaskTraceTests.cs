using System.Text.Json.Nodes;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Running;

namespace Swarm.Ctl.Tests;

public class TaskTraceTests
{
    /// <summary>What the control API answers for a task that ran one second after it was created.</summary>
    private const string Trace = """
        {
          "id": "9c1e04a7-b2f0-4d6e-8a55-0123456789ab", "name": "web.1", "service": "web", "node": "worker-1", "state": "Running",
          "createdAt": "2026-11-24T20:31:02.000+00:00", "total": 1.0,
          "steps": [
            { "step": "created", "type": "task_created", "version": 1, "sequence": 10, "at": "2026-11-24T20:31:02.000+00:00", "loggedAt": "2026-11-24T20:31:02.001+00:00",
              "sinceCreated": 0, "duration": 0.05, "component": "orchestrator", "node": null, "reportedBy": null, "detail": "created for slot 1" },
            { "step": "allocated", "type": "task_allocated", "version": 2, "sequence": 12, "at": "2026-11-24T20:31:02.050+00:00", "loggedAt": "2026-11-24T20:31:02.051+00:00",
              "sinceCreated": 0.05, "duration": 0.05, "component": "allocator", "node": null, "reportedBy": null, "detail": "allocated address 10.0.0.3" },
            { "step": "assigned", "type": "task_assigned", "version": 3, "sequence": 15, "at": "2026-11-24T20:31:02.100+00:00", "loggedAt": "2026-11-24T20:31:02.101+00:00",
              "sinceCreated": 0.1, "duration": 0.2, "component": "scheduler", "node": "worker-1", "reportedBy": null, "detail": "assigned to node worker-1" },
            { "step": "accepted", "type": "task_status_changed", "version": 4, "sequence": 20, "at": "2026-11-24T20:31:02.300+00:00", "loggedAt": "2026-11-24T20:31:03.010+00:00",
              "sinceCreated": 0.3, "duration": 0.7, "component": "dispatcher", "node": "worker-1", "reportedBy": "worker-1", "detail": "state ACCEPTED: accepted" },
            { "step": "running", "type": "task_status_changed", "version": 5, "sequence": 21, "at": "2026-11-24T20:31:03.000+00:00", "loggedAt": "2026-11-24T20:31:03.010+00:00",
              "sinceCreated": 1.0, "duration": null, "component": "dispatcher", "node": "worker-1", "reportedBy": "worker-1", "detail": "state RUNNING: started" }
          ]
        }
        """;

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string api, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var exit = await SwarmCtl.MainAsync(args, stdout, stderr, api, cts.Token);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Task_trace_takes_one_task_and_a_format()
    {
        Assert.Equal(new TraceTask("9c1e", OutputFormat.Json), Cli.Command<TraceTask>("task", "trace", "9c1e", "--format", "json"));
        Assert.Equal(new TraceTask("9c1e", OutputFormat.Pretty), Cli.Command<TraceTask>("task", "trace", "9c1e"));
        Assert.Contains("TASK", Cli.Usage("task", "trace").Message);
    }

    [Fact]
    public async Task Task_trace_prints_one_line_per_step_with_times_durations_writers_and_a_waterfall()
    {
        await using var api = new ScriptedApi((_, response) => ScriptedApi.JsonAsync(response, Trace));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "task", "trace", "9c1e");

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Equal(["GET api/tasks/9c1e/trace"], api.Requests);
        var lines = stdout.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal("web.1 (9c1e04a7b2f0)  running on worker-1  1.000s from created to last step", lines[0]);
        Assert.Matches(@"^STEP\s+TIME \(UTC\)\s+SINCE CREATED\s+DURATION\s+WRITTEN BY\s+WATERFALL$", lines[1]);
        Assert.Equal(7, lines.Length);

        Assert.StartsWith("created ", lines[2]);
        Assert.Contains("  2026-11-24T20:31:02.000Z   +0.000s ", lines[2]);
        Assert.Contains("   0.050s ", lines[2]);
        Assert.Contains("   orchestrator ", lines[2]);
        Assert.StartsWith("assigned (worker-1) ", lines[4]);
        Assert.Contains("   scheduler ", lines[4]);
        Assert.Contains("   dispatcher (reported by agent on node worker-1) ", lines[5]);
        Assert.Contains("+1.000s ", lines[6]);
        Assert.Contains("   -   ", lines[6]);

        // bars on one scale of 40 columns for the 1 s from created to running
        Assert.EndsWith("|" + Bar(0, 2) + "|", lines[2]);
        Assert.EndsWith("|" + Bar(2, 2) + "|", lines[3]);
        Assert.EndsWith("|" + Bar(4, 8) + "|", lines[4]);
        Assert.EndsWith("|" + Bar(12, 28) + "|", lines[5]);
        Assert.EndsWith("|" + Bar(39, 1) + "|", lines[6]);

        // every bar starts in the same column
        Assert.Single(lines[2..].Select(l => l.IndexOf('|', StringComparison.Ordinal)).Distinct());
    }

    [Fact]
    public async Task Task_trace_format_json_prints_the_steps_as_the_api_gives_them()
    {
        await using var api = new ScriptedApi((_, response) => ScriptedApi.JsonAsync(response, Trace));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "task", "trace", "9c1e", "--format", "json");

        Assert.Equal((0, ""), (exit, stderr));
        var json = JsonNode.Parse(stdout)!;
        var steps = json["steps"]!.AsArray();
        Assert.Equal(["created", "allocated", "assigned", "accepted", "running"], steps.Select(s => (string)s!["step"]!));
        Assert.Equal("dispatcher", (string)steps[4]!["component"]!);
        Assert.Equal("worker-1", (string)steps[4]!["reportedBy"]!);
        Assert.Equal(0.7, (double)steps[3]!["duration"]!);
        Assert.Equal(1.0, (double)steps[4]!["sinceCreated"]!);
    }

    [Fact]
    public async Task An_unknown_task_exits_1_with_the_api_message()
    {
        await using var api = new ScriptedApi((_, response) =>
            ScriptedApi.JsonAsync(response, """{"code":"not-found","field":"","reason":"no task 'ffff'"}""", 404));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "task", "trace", "ffff");

        Assert.Equal((1, ""), (exit, stdout));
        Assert.Contains("no task 'ffff'", stderr);
    }

    private static string Bar(int start, int length) => new string(' ', start) + new string('█', length) + new string(' ', 40 - start - length);
}
