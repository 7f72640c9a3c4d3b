using Swarm.Contracts.Model;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

public class OtherCommandParsingTests
{
    [Fact]
    public void Service_scale_takes_several_service_equals_replicas_pairs_in_order()
    {
        var c = Cli.Command<ServiceScale>("service", "scale", "web=3", "api=1");

        Assert.Equal([new KeyValuePair<string, int>("web", 3), new KeyValuePair<string, int>("api", 1)], c.Targets);
        Assert.False(c.Wait.Wait);
    }

    [Fact]
    public void Service_scale_to_zero_with_wait_waits()
    {
        var c = Cli.Command<ServiceScale>("service", "scale", "web=0", "--wait", "--timeout", "10s");

        Assert.Equal(0, Assert.Single(c.Targets).Value);
        Assert.True(c.Wait.Wait);
        Assert.Equal(TimeSpan.FromSeconds(10), c.Wait.Timeout);
    }

    [Theory]
    [InlineData("web")]
    [InlineData("web=")]
    [InlineData("=3")]
    [InlineData("web=three")]
    [InlineData("web=1.5")]
    public void Service_scale_refuses_an_argument_that_is_not_service_equals_count(string arg)
    {
        var error = Cli.Usage("service", "scale", "api=1", arg);

        Assert.Equal($"invalid argument '{arg}': expected SERVICE=REPLICAS, e.g. web=5", error.Message);
        Assert.Equal("See 'swarmctl service scale --help'.", error.Hint);
    }

    [Fact]
    public void Service_scale_without_arguments_is_refused()
    {
        var error = Cli.Usage("service", "scale");

        Assert.StartsWith("\"service scale\" requires an argument", error.Message);
    }

    [Fact]
    public void Node_update_reads_availability_label_add_and_label_rm()
    {
        var c = Cli.Command<NodeUpdate>("node", "update", "--availability", "drain", "--label-add", "k=v", "--label-rm", "k", "worker-1");

        Assert.Equal("worker-1", c.Node);
        Assert.Equal(NodeAvailability.Drain, c.Availability);
        Assert.Equal("v", Assert.Single(c.LabelAdd).Value);
        Assert.Equal("v", c.LabelAdd["k"]);
        Assert.Equal(["k"], c.LabelRemove);
    }

    [Fact]
    public void Node_update_accepts_repeated_labels_and_a_label_without_value()
    {
        var c = Cli.Command<NodeUpdate>("node", "update", "worker-1", "--label-add", "zone=a", "--label-add", "ssd", "--label-rm", "old", "--label-rm", "older");

        Assert.Null(c.Availability);
        Assert.Equal(2, c.LabelAdd.Count);
        Assert.Equal("a", c.LabelAdd["zone"]);
        Assert.Equal("", c.LabelAdd["ssd"]);
        Assert.Equal(["old", "older"], c.LabelRemove);
    }

    [Theory]
    [InlineData("active", NodeAvailability.Active)]
    [InlineData("pause", NodeAvailability.Pause)]
    [InlineData("DRAIN", NodeAvailability.Drain)]
    public void Node_update_availability_is_case_insensitive(string value, NodeAvailability expected)
    {
        Assert.Equal(expected, Cli.Command<NodeUpdate>("node", "update", "--availability", value, "w").Availability);
    }

    [Fact]
    public void Node_update_refuses_an_unknown_availability()
    {
        var error = Cli.Usage("node", "update", "--availability", "off", "w");

        Assert.Equal("invalid value 'off' for --availability: use active, pause or drain", error.Message);
    }

    [Fact]
    public void Node_update_with_nothing_to_change_is_refused()
    {
        var error = Cli.Usage("node", "update", "worker-1");

        Assert.StartsWith("nothing to change", error.Message);
    }

    [Fact]
    public void Service_update_reads_changes_and_leaves_the_rest_unset()
    {
        var c = Cli.Command<ServiceUpdate>("service", "update", "web", "--env", "LOG=debug", "--env-add", "B=x=y", "--env-rm", "OLD", "--restart-delay", "1s");

        Assert.Equal("web", c.Service);
        Assert.Equal("debug", c.Changes.EnvAdd["LOG"]);
        Assert.Equal("x=y", c.Changes.EnvAdd["B"]);
        Assert.Equal(["OLD"], c.Changes.EnvRemove);
        Assert.Equal(TimeSpan.FromSeconds(1), c.Changes.RestartDelay);
        Assert.Null(c.Changes.Replicas);
        Assert.Null(c.Changes.Image);
        Assert.Null(c.Changes.Command);
        Assert.Null(c.Changes.RestartCondition);
    }

    [Fact]
    public void Service_update_takes_a_new_command_after_the_service_name()
    {
        var c = Cli.Command<ServiceUpdate>("service", "update", "--replicas", "5", "web", "--", "python3", "-m", "http.server", "9000");

        Assert.Equal("web", c.Service);
        Assert.Equal(5, c.Changes.Replicas);
        Assert.Equal(["python3", "-m", "http.server", "9000"], c.Changes.Command);
    }

    [Fact]
    public void Service_update_with_nothing_to_change_is_refused()
    {
        var error = Cli.Usage("service", "update", "web");

        Assert.StartsWith("nothing to change", error.Message);
        Assert.Equal("See 'swarmctl service update --help'.", error.Hint);
    }

    [Fact]
    public void Service_ps_reads_several_services_and_its_switches()
    {
        var c = Cli.Command<ServicePs>("service", "ps", "web", "api", "--no-trunc", "-q", "--format", "json");

        Assert.Equal(["web", "api"], c.Services);
        Assert.True(c.NoTrunc);
        Assert.True(c.Quiet);
        Assert.Equal(OutputFormat.Json, c.Format);
    }

    [Fact]
    public void List_aliases_run_the_same_command()
    {
        Assert.False(Cli.Command<ServiceList>("service", "list").Quiet);
        Assert.True(Cli.Command<NodeList>("node", "list", "--quiet").Quiet);
        Assert.Equal(["web"], Cli.Command<ServiceRemove>("service", "remove", "web").Services);
    }

    [Fact]
    public void Task_ls_reads_its_filters()
    {
        var c = Cli.Command<TaskList>("task", "ls", "--service", "web", "--node", "worker-1", "--desired-state", "running");

        Assert.Equal("web", c.Service);
        Assert.Equal("worker-1", c.Node);
        Assert.Equal("running", c.DesiredState);
        Assert.Equal(OutputFormat.Pretty, c.Format);
    }

    [Fact]
    public void No_arguments_print_the_overview_as_an_error()
    {
        var help = Assert.IsType<HelpRequested>(CliParser.Parse([]));

        Assert.True(help.IsError);
        Assert.Contains("service create", help.Text);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public void Help_prints_the_overview(string arg)
    {
        var help = Assert.IsType<HelpRequested>(CliParser.Parse([arg]));

        Assert.False(help.IsError);
        Assert.StartsWith("Usage:  swarmctl [--host URL] COMMAND", help.Text);
    }

    [Fact]
    public void A_group_alone_prints_the_group_help_as_an_error()
    {
        var help = Assert.IsType<HelpRequested>(CliParser.Parse(["service"]));

        Assert.True(help.IsError);
        Assert.StartsWith("Usage:  swarmctl service COMMAND", help.Text);
    }

    [Theory]
    [InlineData("help", "service", "scale")]
    [InlineData("service", "scale", "--help")]
    [InlineData("service", "scale", "web=3", "-h")]
    public void Help_of_a_command_shows_its_usage_and_flags(params string[] args)
    {
        var help = Assert.IsType<HelpRequested>(CliParser.Parse(args));

        Assert.False(help.IsError);
        Assert.StartsWith("Usage:  swarmctl service scale SERVICE=REPLICAS", help.Text);
        Assert.Contains("--timeout DURATION", help.Text);
        Assert.Contains("Durations: 500ms, 5s, 1m30s, 2h", help.Text);
    }
}
