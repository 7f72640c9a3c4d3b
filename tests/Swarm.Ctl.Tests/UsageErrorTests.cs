using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

public class UsageErrorTests
{
    private const string CreateHint = "See 'swarmctl service create --help'.";

    [Fact]
    public void Service_create_without_name_is_refused_with_a_pointer_to_its_help()
    {
        var error = Cli.Usage("service", "create", "--replicas", "2", "--", "sleep", "1");

        Assert.Contains("--name is required", error.Message);
        Assert.Equal(CreateHint, error.Hint);
    }

    [Fact]
    public void Service_create_without_a_command_is_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "web");

        Assert.Contains("a command to run is required", error.Message);
        Assert.Equal(CreateHint, error.Hint);
    }

    [Fact]
    public void Service_create_with_nothing_after_double_dash_is_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--");

        Assert.Contains("command to run is required", error.Message);
    }

    [Theory]
    [InlineData("--restart-delay", "5x")]
    [InlineData("--restart-delay", "fast")]
    [InlineData("--restart-window", "-1s")]
    [InlineData("--stop-grace-period", "1.2.3s")]
    [InlineData("--timeout", "soon")]
    public void A_bad_duration_is_refused_naming_the_flag(string flag, string value)
    {
        var error = Cli.Usage("service", "create", "--name", "web", flag, value, "--", "app");

        Assert.StartsWith($"invalid value for {flag}:", error.Message);
        Assert.Contains(value, error.Message);
        Assert.Equal(CreateHint, error.Hint);
    }

    [Fact]
    public void A_duration_without_unit_after_a_unit_part_says_the_unit_is_missing()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--restart-delay", "1m30", "--", "app");

        Assert.Contains("missing a unit", error.Message);
    }

    [Theory]
    [InlineData("three")]
    [InlineData("2.5")]
    [InlineData("")]
    public void A_replicas_value_that_is_not_a_whole_number_is_refused(string value)
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--replicas", value, "--", "app");

        Assert.Equal($"invalid value '{value}' for --replicas: not a whole number", error.Message);
        Assert.Equal(CreateHint, error.Hint);
    }

    [Fact]
    public void A_flag_at_the_end_without_its_value_is_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--replicas");

        Assert.Equal("flag --replicas needs a value (N)", error.Message);
    }

    [Fact]
    public void A_negative_restart_max_attempts_is_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--restart-max-attempts", "-1", "--", "app");

        Assert.Contains("must be 0 or more", error.Message);
    }

    [Fact]
    public void An_unknown_restart_condition_is_refused_listing_the_valid_ones()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--restart-condition", "always", "--", "app");

        Assert.Contains("'always'", error.Message);
        Assert.Contains("none, on-failure or any", error.Message);
    }

    [Fact]
    public void An_env_item_without_equals_is_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--env", "NOVALUE", "--", "app");

        Assert.Equal("invalid value 'NOVALUE' for --env: expected KEY=VALUE", error.Message);
    }

    [Fact]
    public void An_env_item_without_key_is_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--env", "=x", "--", "app");

        Assert.Contains("expected KEY=VALUE", error.Message);
    }

    [Fact]
    public void The_same_single_flag_twice_with_different_values_is_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "a", "--name", "b", "--", "app");

        Assert.Equal("flag --name was given twice", error.Message);
    }

    [Fact]
    public void An_unknown_flag_is_refused_with_the_command_and_a_hint()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--replica", "3", "--", "app");

        Assert.Equal("unknown flag '--replica' for \"service create\"", error.Message);
        Assert.Equal(CreateHint, error.Hint);
    }

    [Fact]
    public void An_unknown_short_flag_is_refused()
    {
        var error = Cli.Usage("service", "ls", "-x");

        Assert.Equal("unknown flag '-x' for \"service ls\"", error.Message);
        Assert.Equal("See 'swarmctl service ls --help'.", error.Hint);
    }

    [Fact]
    public void An_unknown_flag_followed_by_help_shows_the_help_instead_of_an_error()
    {
        var result = CliParser.Parse(["service", "create", "--bogus", "--help"]);

        var help = Assert.IsType<HelpRequested>(result);
        Assert.False(help.IsError);
        Assert.Contains("swarmctl service create", help.Text);
    }

    [Fact]
    public void Wait_and_detach_together_are_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--wait", "--detach", "--", "app");

        Assert.Contains("--wait and --detach cannot be used together", error.Message);
    }

    [Fact]
    public void A_switch_with_a_value_that_is_not_a_boolean_is_refused()
    {
        var error = Cli.Usage("service", "create", "--name", "web", "--detach=maybe", "--", "app");

        Assert.Equal("invalid value 'maybe' for --detach: expected true or false", error.Message);
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("xml")]
    public void Format_other_than_json_or_table_is_refused(string format)
    {
        var error = Cli.Usage("service", "ls", "--format", format);

        Assert.Equal($"invalid value '{format}' for --format: use json (or table)", error.Message);
        Assert.Equal("See 'swarmctl service ls --help'.", error.Hint);
    }

    [Theory]
    [InlineData("json", OutputFormat.Json)]
    [InlineData("JSON", OutputFormat.Json)]
    [InlineData("table", OutputFormat.Pretty)]
    public void Format_json_and_table_are_accepted(string format, OutputFormat expected)
    {
        Assert.Equal(expected, Cli.Command<ServiceList>("service", "ls", "--format", format).Format);
    }

    [Fact]
    public void An_unknown_group_is_refused()
    {
        var error = Cli.Usage("volume", "ls");

        Assert.Equal("unknown command 'volume'", error.Message);
        Assert.Equal("See 'swarmctl --help'.", error.Hint);
    }

    [Fact]
    public void An_unknown_verb_is_refused_with_the_group_help_as_hint()
    {
        var error = Cli.Usage("service", "restart", "web");

        Assert.Equal("unknown command 'service restart'", error.Message);
        Assert.Equal("See 'swarmctl service --help'.", error.Hint);
    }

    [Fact]
    public void A_missing_argument_is_refused_naming_what_is_needed()
    {
        var error = Cli.Usage("service", "ps");

        Assert.Equal("\"service ps\" requires an argument: SERVICE [SERVICE...]", error.Message);
    }

    [Fact]
    public void An_extra_argument_is_refused()
    {
        var error = Cli.Usage("service", "ls", "web");

        Assert.Equal("\"service ls\" takes no arguments, got 'web'", error.Message);
    }

    [Fact]
    public void Node_update_of_two_nodes_is_refused()
    {
        var error = Cli.Usage("node", "update", "--availability", "drain", "w1", "w2");

        Assert.Equal("\"node update\" takes 1 argument, got 'w2' too", error.Message);
    }

    [Theory]
    [InlineData("not-a-url")]
    [InlineData("ftp://host:21")]
    public void A_host_that_is_not_an_http_url_is_refused(string host)
    {
        var error = Cli.Usage("--host", host, "service", "ls");

        Assert.Contains($"invalid value '{host}' for --host", error.Message);
    }

    [Fact]
    public void Host_without_a_value_is_refused()
    {
        var error = Cli.Usage("service", "ls", "--host");

        Assert.Contains("--host needs a value", error.Message);
    }
}
