using System.Text;
using System.Text.Json.Nodes;
using Swarm.Ctl.Running;

namespace Swarm.Ctl.Tests;

public class LogsAndClusterRunTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(string api, CancellationToken ct, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await SwarmCtl.MainAsync(args, stdout, stderr, api, ct);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string api, params string[] args)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await RunAsync(api, cts.Token, args);
    }

    private static async Task TextAsync(System.Net.HttpListenerResponse response, string text, int status = 200)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    [Fact]
    public async Task Service_logs_prints_the_lines_and_passes_tail_and_follow_as_query()
    {
        await using var api = new ScriptedApi((_, response) => TextAsync(response, "web.1@worker-1 | hello\nweb.2@worker-2 | bye\n"));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "service", "logs", "web", "--tail", "5");

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Equal("web.1@worker-1 | hello\nweb.2@worker-2 | bye\n", stdout.ReplaceLineEndings("\n"));
        Assert.Equal(["GET api/services/web/logs?follow=false&tail=5"], api.Requests);
    }

    [Fact]
    public async Task Task_logs_asks_for_every_line_when_no_tail_is_given()
    {
        await using var api = new ScriptedApi((_, response) => TextAsync(response, "last line without a newline"));

        var (exit, stdout, _) = await RunAsync(api.Url, "task", "logs", "9c1e");

        Assert.Equal(0, exit);
        Assert.Equal("last line without a newline\n", stdout.ReplaceLineEndings("\n"));
        Assert.Equal(["GET api/tasks/9c1e/logs?follow=false"], api.Requests);
    }

    [Fact]
    public async Task A_followed_stream_prints_lines_as_they_arrive_and_ctrl_c_ends_it_with_exit_0()
    {
        var firstLineSent = new TaskCompletionSource();
        await using var api = new ScriptedApi(async (_, response) =>
        {
            response.StatusCode = 200;
            response.ContentType = "text/plain; charset=utf-8";
            response.SendChunked = true;
            var bytes = Encoding.UTF8.GetBytes("web.1@worker-1 | first\n");
            await response.OutputStream.WriteAsync(bytes);
            await response.OutputStream.FlushAsync();
            firstLineSent.SetResult();
            await Task.Delay(TimeSpan.FromSeconds(3));
            response.Abort();
        });
        using var interrupt = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var run = SwarmCtl.MainAsync(["service", "logs", "web", "-f"], stdout, stderr, api.Url, interrupt.Token);
        await firstLineSent.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!stdout.ToString().Contains("first", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal("web.1@worker-1 | first\n", stdout.ToString().ReplaceLineEndings("\n"));
        Assert.False(run.IsCompleted);
        await interrupt.CancelAsync();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(0, exit);
        Assert.Equal("", stderr.ToString());
        Assert.Equal(["GET api/services/web/logs?follow=true"], api.Requests);
    }

    [Fact]
    public async Task A_logs_error_answer_exits_1_with_its_reason()
    {
        await using var api = new ScriptedApi((_, response) =>
            ScriptedApi.JsonAsync(response, """{"code":"not-found","field":"","reason":"no service 'nope'"}""", 404));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "service", "logs", "nope");

        Assert.Equal((1, ""), (exit, stdout));
        Assert.Equal("swarmctl: no service 'nope'", stderr.TrimEnd());
    }

    [Fact]
    public async Task A_plain_text_error_of_the_log_relay_is_shown()
    {
        await using var api = new ScriptedApi((_, response) => TextAsync(response, "the dispatcher at http://127.0.0.1:4243 cannot be reached: refused\n", 503));

        var (exit, _, stderr) = await RunAsync(api.Url, "task", "logs", "9c1e");

        Assert.Equal(1, exit);
        Assert.Contains("503", stderr);
        Assert.Contains("the dispatcher at http://127.0.0.1:4243 cannot be reached", stderr);
    }

    [Fact]
    public async Task Cluster_inspect_shows_the_task_history_limit()
    {
        await using var api = new ScriptedApi((_, response) =>
            ScriptedApi.JsonAsync(response, """{"id":"00000000-0000-5000-8000-00000000c1c1","taskHistoryLimit":5,"updatedAt":null}"""));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "cluster", "inspect");

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Contains("Task history limit: 5 ended tasks per slot\n", stdout);
        Assert.Contains("never (defaults)", stdout);
        Assert.Matches(@"Autolock:\s+off\n", stdout);
        Assert.Equal(["GET api/cluster", "GET api/cluster/autolock"], api.Requests);
    }

    [Fact]
    public async Task Cluster_inspect_json_passes_the_api_answer_through()
    {
        await using var api = new ScriptedApi((_, response) =>
            ScriptedApi.JsonAsync(response, """{"id":"00000000-0000-5000-8000-00000000c1c1","taskHistoryLimit":7,"updatedAt":"2026-11-24T20:31:02Z"}"""));

        var (exit, stdout, _) = await RunAsync(api.Url, "cluster", "inspect", "--format", "json");

        Assert.Equal(0, exit);
        Assert.Equal(7, (int)JsonNode.Parse(stdout)!["taskHistoryLimit"]!);
    }

    [Fact]
    public async Task Cluster_update_posts_the_limit()
    {
        await using var api = new ScriptedApi((_, response) =>
            ScriptedApi.JsonAsync(response, """{"id":"00000000-0000-5000-8000-00000000c1c1","version":2}"""));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "cluster", "update", "--task-history-limit", "10");

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Equal("task history limit: 10\n", stdout.ReplaceLineEndings("\n"));
        Assert.Equal(["POST api/cluster/update {\"taskHistoryLimit\":10}"], api.Requests);
    }

    [Fact]
    public async Task Node_drain_posts_the_availability()
    {
        await using var api = new ScriptedApi((_, response) =>
            ScriptedApi.JsonAsync(response, """{"id":"01234567-89ab-cdef-0123-456789abcdef","version":4}"""));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "node", "drain", "worker-2");

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Equal("0123456789abcdef0123456789abcdef\n", stdout.ReplaceLineEndings("\n"));
        Assert.Equal(["POST api/nodes/worker-2/update {\"availability\":\"Drain\"}"], api.Requests);
    }
}
