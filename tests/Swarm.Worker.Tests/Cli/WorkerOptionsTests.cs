using Swarm.Worker.Cli;

namespace Swarm.Worker.Tests.Cli;

public sealed class WorkerOptionsTests
{
    [Fact]
    public void Defaults_are_the_local_dispatcher_the_process_executor_and_a_state_dir_per_hostname()
    {
        var options = WorkerOptions.Parse([], engineReachable: () => false);

        Assert.Equal(new Uri("https://127.0.0.1:4243"), options.Dispatcher);
        Assert.Equal(Environment.MachineName, options.Hostname);
        Assert.Equal("process", options.Executor);
        Assert.Equal(Path.GetFullPath(Path.Combine(".run", "workers", Environment.MachineName)), options.StateDir);
    }

    [Fact]
    public void Every_flag_is_read()
    {
        var options = WorkerOptions.Parse([
            "--dispatcher", "https://127.0.0.1:5000", "--hostname", "n1", "--label", "zone=a", "--label=disk=ssd",
            "--simulate", "3", "--state-dir", "/tmp/w", "--sim-fail-rate", "0.25", "--sim-run-seconds", "2.5",
        ]);

        Assert.Equal(new Uri("https://127.0.0.1:5000"), options.Dispatcher);
        Assert.Equal("n1", options.Hostname);
        Assert.Equal(new Dictionary<string, string> { ["zone"] = "a", ["disk"] = "ssd" }, options.Labels);
        Assert.Equal("sim", options.Executor);
        Assert.Equal(3, options.Simulate);
        Assert.Equal("/tmp/w", options.StateDir);
        Assert.Equal(0.25, options.SimFailRate);
        Assert.Equal(2.5, options.SimRunSeconds);
    }

    [Fact]
    public void The_secrets_directory_is_as_given_or_one_of_the_node_on_dev_shm_that_a_restart_finds_again()
    {
        Assert.Equal("/dev/shm/mine", WorkerOptions.Parse(["--secrets-dir", "/dev/shm/mine"], engineReachable: () => false).SecretsDir);

        var one = WorkerOptions.Parse(["--hostname", "n1", "--state-dir", "/var/lib/a"], engineReachable: () => false);
        var again = WorkerOptions.Parse(["--hostname", "n1", "--state-dir", "/var/lib/a"], engineReachable: () => false);
        var other = WorkerOptions.Parse(["--hostname", "n1", "--state-dir", "/var/lib/b"], engineReachable: () => false);
        Assert.StartsWith("/dev/shm/swarm-n1-", one.SecretsDir);
        Assert.Equal(one.SecretsDir, again.SecretsDir);
        Assert.NotEqual(one.SecretsDir, other.SecretsDir);
        Assert.Throws<UsageException>(() => WorkerOptions.Parse(["--secrets-dir", " "], engineReachable: () => false));
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--executor", "podman")]
    [InlineData("--executor", "docker", "--simulate", "2")]
    [InlineData("--generic-resource", "gpu")]
    [InlineData("--generic-resource", "gpu=-1")]
    [InlineData("--simulate", "0")]
    [InlineData("--simulate")]
    [InlineData("--label", "novalue")]
    [InlineData("--sim-fail-rate", "1.5")]
    [InlineData("--dispatcher", "not a url")]
    [InlineData("--executor", "process", "--simulate", "2")]
    public void A_bad_command_line_is_a_usage_error(params string[] args)
    {
        Assert.Throws<UsageException>(() => WorkerOptions.Parse(args));
    }

    [Fact]
    public void The_docker_executor_is_the_default_when_an_engine_is_reachable()
    {
        Assert.Equal("docker", WorkerOptions.Parse([], engineReachable: () => true).Executor);
        Assert.Equal("process", WorkerOptions.Parse(["--executor", "process"], engineReachable: () => true).Executor);
        Assert.Equal("sim", WorkerOptions.Parse(["--simulate", "2"], engineReachable: () => true).Executor);
    }

    [Fact]
    public void Generic_resources_are_read()
    {
        var options = WorkerOptions.Parse(["--generic-resource", "gpu=2", "--generic-resource=fpga=1"], engineReachable: () => false);

        Assert.Equal(new Dictionary<string, long> { ["gpu"] = 2, ["fpga"] = 1 }, options.GenericResources);
    }

    [Fact]
    public void A_dispatcher_without_TLS_is_a_usage_error()
    {
        var error = Assert.Throws<UsageException>(() => WorkerOptions.Parse(["--dispatcher", "http://127.0.0.1:4243"], engineReachable: () => false));
        Assert.Contains("the dispatcher is reached over TLS: use https://", error.Message);
    }

    private const string Token = "SWMTKN-1-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcd-0123456789abcdefghijklmno";

    [Fact]
    public void The_join_token_comes_from_the_flag_or_else_from_SWARM_JOIN_TOKEN()
    {
        Dictionary<string, string?> env = new() { ["SWARM_JOIN_TOKEN"] = Token };
        var other = Token[..^1] + "p";

        Assert.Null(WorkerOptions.Parse([], () => false, _ => null).JoinToken);
        Assert.Equal(Token, WorkerOptions.Parse([], () => false, name => env.GetValueOrDefault(name))!.JoinToken!.ToString());
        Assert.Equal(other, WorkerOptions.Parse(["--join-token", other], () => false, name => env.GetValueOrDefault(name)).JoinToken!.ToString());
    }

    [Fact]
    public void A_malformed_join_token_is_a_usage_error_that_says_what_is_wrong_and_where_it_came_from()
    {
        var flag = Assert.Throws<UsageException>(() => WorkerOptions.Parse(["--join-token", "SWMTKN-1-abc-def"], () => false, _ => null));
        Assert.StartsWith("--join-token: the join token's root digest must be", flag.Message);

        var env = Assert.Throws<UsageException>(() => WorkerOptions.Parse([], () => false, _ => "nonsense"));
        Assert.StartsWith("SWARM_JOIN_TOKEN: a join token has the form", env.Message);
        Assert.DoesNotContain("nonsense", env.Message);
    }

    [Fact]
    public void The_help_documents_the_join_token_and_TLS()
    {
        Assert.Contains("--join-token", WorkerOptions.Usage);
        Assert.Contains("SWARM_JOIN_TOKEN", WorkerOptions.Usage);
        Assert.Contains("https://", WorkerOptions.Usage);
    }

    [Fact]
    public void Help_is_recognised()
    {
        Assert.True(WorkerOptions.Parse(["--help"]).Help);
        Assert.True(WorkerOptions.Parse(["-h"]).Help);
    }
}
