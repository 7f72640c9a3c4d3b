using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

public class ServiceCreateParsingTests
{
    [Fact]
    public void Name_replicas_and_command_after_double_dash_make_the_spec()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "--replicas", "3", "--", "python3", "-m", "http.server", "8000");

        Assert.Equal("web", c.Spec.Name);
        Assert.Equal(3, c.Spec.Replicas);
        Assert.Equal(["python3", "-m", "http.server", "8000"], c.Spec.Command);
        Assert.Null(c.Spec.Env);
        Assert.Null(c.Spec.RestartPolicy);
        Assert.Null(c.Spec.StopGracePeriodSeconds);
        Assert.False(c.Wait.Wait);
    }

    [Fact]
    public void Flags_given_as_name_equals_value_are_read_like_separate_values()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name=web", "--replicas=6", "--image=nginx:1", "sleep", "60");

        Assert.Equal("web", c.Spec.Name);
        Assert.Equal(6, c.Spec.Replicas);
        Assert.Equal("nginx:1", c.Spec.Image);
        Assert.Equal(["sleep", "60"], c.Spec.Command);
    }

    [Fact]
    public void Replicas_are_left_unset_when_not_given_so_the_server_default_applies()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "sleep", "1");

        Assert.Null(c.Spec.Replicas);
    }

    [Fact]
    public void Command_without_double_dash_starts_at_the_first_argument_that_is_not_a_flag()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "crash", "sh", "-c", "exit 1");

        Assert.Equal(["sh", "-c", "exit 1"], c.Spec.Command);
    }

    [Fact]
    public void Flags_after_the_command_start_belong_to_the_command_not_to_swarmctl()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "grep", "--replicas", "9", "-h", "--host", "x");

        Assert.Equal(["grep", "--replicas", "9", "-h", "--host", "x"], c.Spec.Command);
        Assert.Null(c.Spec.Replicas);
    }

    [Fact]
    public void Everything_after_double_dash_is_the_command_even_a_second_double_dash()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "--", "--replicas", "--", "x");

        Assert.Equal(["--replicas", "--", "x"], c.Spec.Command);
        Assert.Null(c.Spec.Replicas);
    }

    [Fact]
    public void Env_values_may_contain_equals_signs_and_only_the_first_one_splits()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web",
            "--env", "DSN=host=db;user=app", "-e", "EMPTY=", "--env=MODE=fast", "--", "app");

        Assert.NotNull(c.Spec.Env);
        Assert.Equal(3, c.Spec.Env.Count);
        Assert.Equal("host=db;user=app", c.Spec.Env["DSN"]);
        Assert.Equal("", c.Spec.Env["EMPTY"]);
        Assert.Equal("fast", c.Spec.Env["MODE"]);
    }

    [Fact]
    public void A_later_env_value_for_the_same_key_wins()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "-e", "A=1", "-e", "A=2", "--", "app");

        Assert.Equal("2", Assert.Single(c.Spec.Env!).Value);
    }

    [Fact]
    public void Restart_flags_become_a_restart_policy_with_durations_in_seconds()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web",
            "--restart-condition", "on-failure",
            "--restart-delay", "1m30s",
            "--restart-max-attempts", "3",
            "--restart-window", "500ms",
            "--stop-grace-period", "2s",
            "--", "app");

        var rp = Assert.IsType<Swarm.Contracts.Model.RestartPolicySpec>(c.Spec.RestartPolicy);
        Assert.Equal("on-failure", rp.Condition);
        Assert.Equal(90.0, rp.DelaySeconds);
        Assert.Equal(3, rp.MaxAttempts);
        Assert.Equal(0.5, rp.WindowSeconds);
        Assert.Equal(2.0, c.Spec.StopGracePeriodSeconds);
    }

    [Fact]
    public void A_single_restart_flag_leaves_the_other_policy_members_unset()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "--restart-delay", "10", "--", "app");

        var rp = c.Spec.RestartPolicy!;
        Assert.Equal(10.0, rp.DelaySeconds);
        Assert.Null(rp.Condition);
        Assert.Null(rp.MaxAttempts);
        Assert.Null(rp.WindowSeconds);
    }

    [Fact]
    public void Workdir_and_labels_are_put_in_the_spec()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "-w", "/srv", "-l", "team=core", "--label", "flag", "--", "app");

        Assert.Equal("/srv", c.Spec.WorkingDir);
        Assert.Equal("core", c.Spec.Labels!["team"]);
        Assert.Equal("", c.Spec.Labels["flag"]);
    }

    [Theory]
    [InlineData("--wait")]
    [InlineData("--detach=false")]
    [InlineData("--detach=0")]
    [InlineData("-d=false")]
    public void Wait_and_detach_false_make_the_command_wait_with_the_default_timeout(string flag)
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", flag, "--", "app");

        Assert.True(c.Wait.Wait);
        Assert.Equal(TimeSpan.FromMinutes(2), c.Wait.Timeout);
    }

    [Theory]
    [InlineData("--detach")]
    [InlineData("-d")]
    [InlineData("--detach=true")]
    [InlineData("--wait=false")]
    public void Detach_or_no_wait_returns_at_once(string flag)
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", flag, "--", "app");

        Assert.False(c.Wait.Wait);
    }

    [Fact]
    public void Timeout_sets_how_long_wait_waits()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "web", "--wait", "--timeout", "45s", "--", "app");

        Assert.True(c.Wait.Wait);
        Assert.Equal(TimeSpan.FromSeconds(45), c.Wait.Timeout);
    }

    [Fact]
    public void Host_after_the_command_words_is_returned_with_the_command()
    {
        var result = CliParser.Parse(["service", "create", "--host", "http://10.0.0.5:5080", "--name", "web", "--", "app"]);

        var parsed = Assert.IsType<ParsedCommand>(result);
        Assert.Equal("http://10.0.0.5:5080", parsed.Host);
        Assert.IsType<ServiceCreate>(parsed.Command);
    }

    [Fact]
    public void Host_before_the_command_words_is_returned_with_the_command()
    {
        var result = CliParser.Parse(["-H", "http://h:1", "service", "create", "--name", "web", "--", "app"]);

        Assert.Equal("http://h:1", Assert.IsType<ParsedCommand>(result).Host);
    }

    [Fact]
    public void No_host_flag_means_a_null_host()
    {
        var result = CliParser.Parse(["service", "ls"]);

        Assert.Null(Assert.IsType<ParsedCommand>(result).Host);
    }
}
