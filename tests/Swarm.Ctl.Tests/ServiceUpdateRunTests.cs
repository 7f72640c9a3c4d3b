using System.Text.Json;
using System.Text.Json.Nodes;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Running;

namespace Swarm.Ctl.Tests;

public class ServiceUpdateRunTests
{
    private static readonly Guid WebId = Guid.Parse("01234567-89ab-cdef-0123-456789abcdef");
    private static readonly DateTimeOffset Earlier = new(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);

    private static ServiceDetail Web(UpdateStatusView? status) => new()
    {
        Id = WebId,
        Name = "web",
        Replicas = 2,
        Running = 2,
        Progress = "2/2",
        Spec = new ServiceSpec
        {
            Name = "web",
            Replicas = 2,
            Command = ["sleep", "3600"],
            Placement = new PlacementSpec { Constraints = ["node.role!=manager"] },
        },
        UpdateStatus = status,
    };

    /// <summary>Answers the service with <paramref name="before"/> until the update is posted, then with <paramref name="after"/>.</summary>
    private static ScriptedApi Api(ServiceDetail before, ServiceDetail after)
    {
        var posted = false;
        return new ScriptedApi((request, response) =>
        {
            if (request.Method == "POST")
            {
                posted = true;
                return ScriptedApi.JsonAsync(response, $$"""{"id":"{{WebId}}","version":3}""");
            }

            return ScriptedApi.JsonAsync(response, JsonSerializer.Serialize(posted ? after : before, ApiClient.Json));
        });
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string api, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var exit = await SwarmCtl.MainAsync(args, stdout, stderr, api, cts.Token);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Constraint_changes_post_the_whole_merged_spec()
    {
        await using var api = Api(Web(null), Web(null));

        var (exit, _, stderr) = await RunAsync(api.Url, "service", "update", "web", "--constraint-add", "node.labels.zone==east");

        Assert.Equal((0, ""), (exit, stderr));
        var post = api.Requests.Single(r => r.StartsWith("POST", StringComparison.Ordinal));
        Assert.StartsWith($"POST api/services/{WebId}/update ", post);
        var body = JsonNode.Parse(post[(post.IndexOf('{', StringComparison.Ordinal))..])!.AsObject();
        Assert.Equal(["version", "spec"], body.Select(kv => kv.Key));
        Assert.Equal(Web(null).SpecVersion, (long)body["version"]!);
        Assert.Equal("web", (string?)body["spec"]!["name"]);
        Assert.Equal(["node.role!=manager", "node.labels.zone==east"], body["spec"]!["placement"]!["constraints"]!.AsArray().Select(c => (string?)c));
        Assert.Equal(2, (int)body["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task Waiting_on_an_update_that_was_rolled_back_exits_1_with_the_reason()
    {
        var rolledBack = new UpdateStatusView { State = "rollback_completed", Message = "update rolled back: task failed", StartedAt = Earlier.AddMinutes(1), CompletedAt = Earlier.AddMinutes(2) };
        await using var api = Api(Web(null), Web(rolledBack));

        var (exit, stdout, stderr) = await RunAsync(api.Url, "service", "update", "web", "--image", "bad:1", "--wait");

        Assert.Equal(1, exit);
        Assert.Equal("web\n", stdout.ReplaceLineEndings("\n"));
        Assert.Contains("swarmctl: web: the update was rolled back: update rolled back: task failed", stderr);
    }

    [Fact]
    public async Task Waiting_on_a_paused_update_exits_1_with_its_message()
    {
        var paused = new UpdateStatusView { State = "paused", Message = "update paused: 1 of 2 tasks failed", StartedAt = Earlier.AddMinutes(1) };
        await using var api = Api(Web(null), Web(paused));

        var (exit, _, stderr) = await RunAsync(api.Url, "service", "update", "web", "--image", "bad:1", "--wait");

        Assert.Equal(1, exit);
        Assert.Contains("swarmctl: web: paused: update paused: 1 of 2 tasks failed", stderr);
    }

    [Fact]
    public async Task An_earlier_rollback_does_not_fail_a_later_update_that_replaces_no_task()
    {
        var earlier = new UpdateStatusView { State = "rollback_completed", Message = "rollback completed", StartedAt = Earlier, CompletedAt = Earlier };
        await using var api = Api(Web(earlier), Web(earlier));

        var (exit, _, stderr) = await RunAsync(api.Url, "service", "update", "web", "--replicas", "2", "--wait");

        Assert.Equal(0, exit);
        Assert.Equal("web: 2/2 running\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Waiting_on_a_rollback_that_completed_exits_0()
    {
        var rolledBack = new UpdateStatusView { State = "rollback_completed", Message = "rollback completed", StartedAt = Earlier.AddMinutes(1), CompletedAt = Earlier.AddMinutes(1) };
        await using var api = Api(Web(null), Web(rolledBack));

        var (exit, _, stderr) = await RunAsync(api.Url, "service", "update", "web", "--rollback", "--wait");

        Assert.Equal((0, "web: 2/2 running\n"), (exit, stderr.ReplaceLineEndings("\n")));
        Assert.Contains($"POST api/services/{WebId}/update {{\"rollback\":true}}", api.Requests);
    }

    [Fact]
    public async Task Waiting_on_a_job_ends_when_every_completion_is_done()
    {
        var job = new ServiceDetail { Id = WebId, Name = "batch", Mode = "replicated-job", Replicas = 3, Running = 0, Completed = 10, TotalCompletions = 10, Progress = "job 10/10 completed" };
        await using var api = new ScriptedApi((request, response) => request.Method == "POST"
            ? ScriptedApi.JsonAsync(response, $$"""{"id":"{{WebId}}","version":1}""", 201)
            : ScriptedApi.JsonAsync(response, JsonSerializer.Serialize(job, ApiClient.Json)));

        var (exit, _, stderr) = await RunAsync(api.Url, "service", "create", "--name", "batch", "--mode", "replicated-job", "--total-completions", "10", "--wait", "--", "true");

        Assert.Equal((0, "batch: job 10/10 completed\n"), (exit, stderr.ReplaceLineEndings("\n")));
    }
}
