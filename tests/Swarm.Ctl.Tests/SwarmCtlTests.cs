using System.Text.Json;
using System.Text.Json.Nodes;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Running;

namespace Swarm.Ctl.Tests;

public class ResolveApiTests
{
    [Fact]
    public void Host_flag_wins_over_the_environment()
    {
        Assert.Equal(new Uri("http://flag:1/"), SwarmCtl.ResolveApi("http://flag:1", "http://env:2"));
    }

    [Fact]
    public void Environment_is_used_when_no_host_flag_is_given()
    {
        Assert.Equal(new Uri("http://env:2/"), SwarmCtl.ResolveApi(null, "http://env:2"));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("  ", " ")]
    public void The_control_socket_is_used_when_neither_is_given(string? flag, string? env)
    {
        var api = SwarmCtl.ResolveApi(flag, env);

        Assert.Equal("unix", api.Scheme);
        Assert.Equal(Swarm.ControlApi.Contracts.ControlSocket.DefaultPath(), api.AbsolutePath);
    }

    [Fact]
    public void A_unix_address_names_the_socket_path()
    {
        var api = SwarmCtl.ResolveApi("unix:///run/swarm/control.sock", "https://env:5443");

        Assert.Equal("unix", api.Scheme);
        Assert.Equal("/run/swarm/control.sock", api.AbsolutePath);
    }

    [Fact]
    public void A_path_prefix_is_kept_and_ends_with_one_slash_so_relative_paths_go_below_it()
    {
        var api = SwarmCtl.ResolveApi("https://gw.example/swarm//", null);

        Assert.Equal("https://gw.example/swarm/", api.ToString());
        Assert.Equal("https://gw.example/swarm/api/services", new Uri(api, "api/services").ToString());
    }

    [Theory]
    [InlineData("localhost:5080")]
    [InlineData("ftp://h")]
    [InlineData("nonsense")]
    public void An_environment_value_that_is_not_an_http_url_is_a_usage_error(string env)
    {
        var ex = Assert.Throws<UsageException>(() => SwarmCtl.ResolveApi(null, env));

        Assert.Contains($"'{env}'", ex.Message);
        Assert.Contains("SWARM_API", ex.Message);
    }
}

public class MainAsyncTests
{
    private static readonly JsonSerializerOptions Json = ApiClient.Json;

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string? swarmApi, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var exit = await SwarmCtl.MainAsync(args, stdout, stderr, swarmApi, cts.Token);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task An_unreachable_api_exits_1_with_one_line_naming_the_address()
    {
        var url = $"http://127.0.0.1:{Ports.Free()}";

        var (exit, stdout, stderr) = await RunAsync(url, "service", "ls");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("swarmctl: ", line);
        Assert.Contains(url, line);
        Assert.Contains("connection refused", line);
    }

    [Fact]
    public async Task The_host_flag_overrides_swarm_api_when_running()
    {
        var url = $"http://127.0.0.1:{Ports.Free()}";

        var (exit, _, stderr) = await RunAsync("http://127.0.0.1:1", "--host", url, "node", "ls");

        Assert.Equal(1, exit);
        Assert.Contains(url, stderr);
        Assert.DoesNotContain("127.0.0.1:1 ", stderr);
    }

    [Fact]
    public async Task A_usage_error_exits_2_with_the_message_and_hint_on_stderr()
    {
        var (exit, stdout, stderr) = await RunAsync(null, "service", "create", "--replicas", "x", "--name", "web", "--", "app");

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal("swarmctl: invalid value 'x' for --replicas: not a whole number\nSee 'swarmctl service create --help'.\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Help_exits_0_on_stdout_and_a_bare_group_exits_2_on_stderr()
    {
        var help = await RunAsync(null, "service", "ls", "--help");
        var bare = await RunAsync(null, "service");

        Assert.Equal((0, ""), (help.Exit, help.Err));
        Assert.StartsWith("Usage:  swarmctl service ls", help.Out);
        Assert.Equal((2, ""), (bare.Exit, bare.Out));
        Assert.StartsWith("Usage:  swarmctl service COMMAND", bare.Err);
    }

    [Fact]
    public async Task A_bad_swarm_api_value_exits_2_without_calling_anything()
    {
        var (exit, _, stderr) = await RunAsync("localhost:5080", "service", "ls");

        Assert.Equal(2, exit);
        Assert.Contains("'localhost:5080' is not a URL of the control API", stderr);
    }

    [Fact]
    public async Task Service_ls_prints_a_table_from_the_api()
    {
        var services = new[]
        {
            new ServiceSummary { Id = Guid.Parse("0123456789abcdef0123456789abcdef"), Name = "web", Replicas = 6, Running = 6, Command = ["sleep", "3600"] },
        };
        await using var api = new FakeApi(new Dictionary<string, string> { ["api/services"] = JsonSerializer.Serialize(services, Json) });

        var (exit, stdout, stderr) = await RunAsync(api.Url, "service", "ls");

        Assert.Equal((0, ""), (exit, stderr));
        var row = stdout.Split('\n')[1];
        Assert.Equal(["0123456789ab", "web", "replicated", "6/6", "sleep", "3600"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("ID             NAME   MODE         REPLICAS   IMAGE/COMMAND   PORTS\n", stdout);
    }

    [Fact]
    public async Task Service_ls_json_prints_an_array_with_name_id_mode_replicas_and_running()
    {
        var services = new[]
        {
            new ServiceSummary { Id = Guid.NewGuid(), Name = "web", Replicas = 6, Running = 5, Command = ["sleep", "1"] },
            new ServiceSummary { Id = Guid.NewGuid(), Name = "api", Replicas = 1, Running = 1, Image = "nginx", Command = ["nginx"] },
        };
        await using var api = new FakeApi(new Dictionary<string, string> { ["api/services"] = JsonSerializer.Serialize(services, Json) });

        var (exit, stdout, stderr) = await RunAsync(api.Url, "service", "ls", "--format", "json");

        Assert.Equal((0, ""), (exit, stderr));
        var array = Assert.IsType<JsonArray>(JsonNode.Parse(stdout));
        Assert.Equal(2, array.Count);
        var web = array[0]!.AsObject();
        Assert.Equal("web", (string?)web["name"]);
        Assert.Equal(services[0].Id, Guid.Parse((string)web["id"]!));
        Assert.Equal("replicated", (string?)web["mode"]);
        Assert.Equal(6, (int)web["replicas"]!);
        Assert.Equal(5, (int)web["running"]!);
        Assert.Equal("api", (string?)array[1]!["name"]);
    }

    [Fact]
    public async Task Service_ps_shows_why_a_task_waits_and_why_a_service_cannot_be_reconciled()
    {
        var webId = Guid.NewGuid();
        var webTasks = new[]
        {
            new TaskSummary { Id = Guid.NewGuid(), Name = "web.1", Service = "web", ServiceId = webId, Slot = 1, State = TaskState.Pending, DesiredState = DesiredState.Running, Message = "no suitable node (max replicas per node)", Error = "no suitable node (max replicas per node)" },
        };
        const string reason = "TimeSpan overflowed because the duration is too long (OverflowException); update the service with values in range";
        await using var api = new FakeApi(new Dictionary<string, string>
        {
            ["api/services/web/tasks"] = JsonSerializer.Serialize(webTasks, Json),
            ["api/services/web"] = JsonSerializer.Serialize(new ServiceDetail { Id = webId, Name = "web" }, Json),
            ["api/services/bad/tasks"] = "[]",
            ["api/services/bad"] = JsonSerializer.Serialize(new ServiceDetail { Id = Guid.NewGuid(), Name = "bad", ReconcileError = reason, ReconcileErrorSince = DateTimeOffset.UtcNow }, Json),
        });

        var (exit, stdout, stderr) = await RunAsync(api.Url, "service", "ps", "web", "bad");

        Assert.Equal((0, ""), (exit, stderr));
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("no suitable node (max replicas per node)", lines[1]);
        Assert.Equal($"service bad cannot be reconciled: {reason}", lines[^1]);
        Assert.DoesNotContain("service web cannot", stdout);
    }

    [Fact]
    public async Task Service_ps_json_prints_one_array_with_the_tasks_of_every_service_given()
    {
        var webId = Guid.NewGuid();
        var webTasks = new[]
        {
            new TaskSummary { Id = Guid.NewGuid(), Name = "web.1", Service = "web", ServiceId = webId, Slot = 1, Node = "worker-1", State = TaskState.Running, DesiredState = DesiredState.Running },
            new TaskSummary { Id = Guid.NewGuid(), Name = "web.1", Service = "web", ServiceId = webId, Slot = 1, Node = "worker-2", State = TaskState.Failed, DesiredState = DesiredState.Shutdown, Error = "exit code 1" },
        };
        var apiTasks = new[]
        {
            new TaskSummary { Id = Guid.NewGuid(), Name = "api.1", Service = "api", ServiceId = Guid.NewGuid(), Slot = 1, State = TaskState.Pending, DesiredState = DesiredState.Running },
        };
        await using var api = new FakeApi(new Dictionary<string, string>
        {
            ["api/services/web/tasks"] = JsonSerializer.Serialize(webTasks, Json),
            ["api/services/api/tasks"] = JsonSerializer.Serialize(apiTasks, Json),
        });

        var (exit, stdout, stderr) = await RunAsync(api.Url, "service", "ps", "web", "api", "--format", "json");

        Assert.Equal((0, ""), (exit, stderr));
        var array = Assert.IsType<JsonArray>(JsonNode.Parse(stdout));
        Assert.Equal(3, array.Count);
        var failed = array[1]!.AsObject();
        Assert.Equal(webTasks[1].Id, Guid.Parse((string)failed["id"]!));
        Assert.Equal("web", (string?)failed["service"]);
        Assert.Equal(1, (int)failed["slot"]!);
        Assert.Equal("worker-2", (string?)failed["node"]);
        Assert.Equal("Failed", (string?)failed["state"]);
        Assert.Equal("Shutdown", (string?)failed["desiredState"]);
        Assert.Equal("exit code 1", (string?)failed["error"]);
        Assert.Equal("api", (string?)array[2]!["service"]);
        Assert.Equal(["GET api/services/web/tasks", "GET api/services/api/tasks"], api.Requests);
    }

    [Fact]
    public async Task Task_ls_json_passes_filters_as_query_and_prints_an_array()
    {
        var tasks = new[] { new TaskSummary { Id = Guid.NewGuid(), Service = "web", Slot = 2, Node = "worker-1", State = TaskState.Running, DesiredState = DesiredState.Running } };
        await using var api = new FakeApi(new Dictionary<string, string>
        {
            ["api/tasks?service=web&desiredState=running"] = JsonSerializer.Serialize(tasks, Json),
        });

        var (exit, stdout, stderr) = await RunAsync(api.Url, "task", "ls", "--service", "web", "--desired-state", "running", "--format", "json");

        Assert.Equal((0, ""), (exit, stderr));
        var task = Assert.Single(Assert.IsType<JsonArray>(JsonNode.Parse(stdout)))!.AsObject();
        foreach (var field in new[] { "id", "service", "slot", "node", "state", "desiredState" })
        {
            Assert.True(task.ContainsKey(field), $"missing {field}");
        }

        Assert.Equal("Running", (string?)task["state"]);
    }

    [Fact]
    public async Task Node_ls_json_prints_an_array_with_hostname_status_availability_role_and_labels()
    {
        var nodes = new[]
        {
            new NodeView
            {
                Id = Guid.NewGuid(), Hostname = "worker-1", Status = NodeStatus.Ready, Availability = NodeAvailability.Drain, Role = "worker",
                Labels = new Dictionary<string, string> { ["zone"] = "a" },
            },
        };
        await using var api = new FakeApi(new Dictionary<string, string> { ["api/nodes"] = JsonSerializer.Serialize(nodes, Json) });

        var (exit, stdout, stderr) = await RunAsync(api.Url, "node", "ls", "--format", "json");

        Assert.Equal((0, ""), (exit, stderr));
        var node = Assert.Single(Assert.IsType<JsonArray>(JsonNode.Parse(stdout)))!.AsObject();
        Assert.Equal(nodes[0].Id, Guid.Parse((string)node["id"]!));
        Assert.Equal("worker-1", (string?)node["hostname"]);
        Assert.Equal("Ready", (string?)node["status"]);
        Assert.Equal("Drain", (string?)node["availability"]);
        Assert.Equal("worker", (string?)node["role"]);
        Assert.Equal("a", (string?)node["labels"]!["zone"]);
    }

    [Fact]
    public async Task An_api_error_answer_exits_1_with_its_reason()
    {
        await using var api = new FakeApi(new Dictionary<string, string>());

        var (exit, stdout, stderr) = await RunAsync(api.Url, "service", "inspect", "nope");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Equal("swarmctl: no such thing", stderr.TrimEnd());
    }
}
