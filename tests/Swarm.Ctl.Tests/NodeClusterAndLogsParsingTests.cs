using Swarm.Contracts.Model;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

public class NodeClusterAndLogsParsingTests
{
    [Theory]
    [InlineData("drain", NodeAvailability.Drain)]
    [InlineData("pause", NodeAvailability.Pause)]
    [InlineData("activate", NodeAvailability.Active)]
    public void Node_shortcuts_are_availability_updates(string verb, NodeAvailability availability)
    {
        var command = Cli.Command<NodeUpdate>("node", verb, "worker-2");

        Assert.Equal(("worker-2", availability), (command.Node, command.Availability));
        Assert.Empty(command.LabelAdd);
        Assert.Empty(command.LabelRemove);
    }

    [Fact]
    public void Node_drain_needs_a_node()
    {
        Assert.Equal("\"node drain\" requires an argument: NODE", Cli.Usage("node", "drain").Message);
    }

    [Fact]
    public void Cluster_update_takes_the_task_history_limit()
    {
        Assert.Equal(new ClusterUpdate(10), Cli.Command<ClusterUpdate>("cluster", "update", "--task-history-limit", "10"));
        Assert.Equal(new ClusterUpdate(0), Cli.Command<ClusterUpdate>("cluster", "update", "--task-history-limit=0"));
    }

    [Fact]
    public void Cluster_update_without_a_setting_says_what_to_give()
    {
        Assert.Equal("nothing to change: give --task-history-limit N, --cert-expiry DURATION or --autolock[=false]", Cli.Usage("cluster", "update").Message);
    }

    [Fact]
    public void Cluster_update_refuses_a_negative_limit()
    {
        Assert.Equal("invalid value '-1' for --task-history-limit: must be 0 or more", Cli.Usage("cluster", "update", "--task-history-limit", "-1").Message);
    }

    [Fact]
    public void Cluster_inspect_takes_a_format()
    {
        Assert.Equal(OutputFormat.Json, Cli.Command<ClusterInspect>("cluster", "inspect", "--format", "json").Format);
        Assert.Equal(OutputFormat.Pretty, Cli.Command<ClusterInspect>("cluster", "inspect").Format);
    }

    [Fact]
    public void Service_logs_defaults_to_every_line_without_following()
    {
        Assert.Equal(new LogsCommand(LogSource.Service, "web", false, null), Cli.Command<LogsCommand>("service", "logs", "web"));
    }

    [Theory]
    [InlineData("--follow", "--tail", "20")]
    [InlineData("-f", "-n", "20")]
    [InlineData("--tail=20", "-f")]
    public void Service_logs_follows_and_tails(params string[] flags)
    {
        Assert.Equal(new LogsCommand(LogSource.Service, "web", true, 20), Cli.Command<LogsCommand>(["service", "logs", .. flags, "web"]));
    }

    [Fact]
    public void Task_logs_takes_a_task_id()
    {
        Assert.Equal(new LogsCommand(LogSource.Task, "9c1e", true, null), Cli.Command<LogsCommand>("task", "logs", "9c1e", "--follow", "--tail", "all"));
    }

    [Theory]
    [InlineData("0", "invalid value '0' for --tail: must be 1 or more")]
    [InlineData("x", "invalid value 'x' for --tail: not a whole number")]
    public void A_bad_tail_is_refused(string tail, string message)
    {
        Assert.Equal(message, Cli.Usage("task", "logs", "9c1e", "--tail", tail).Message);
    }

    [Fact]
    public void Logs_take_exactly_one_service()
    {
        Assert.Equal("\"service logs\" takes 1 argument, got 'api' too", Cli.Usage("service", "logs", "web", "api").Message);
    }

    [Theory]
    [InlineData("node", "drain")]
    [InlineData("node", "pause")]
    [InlineData("node", "activate")]
    [InlineData("service", "logs")]
    [InlineData("task", "logs")]
    [InlineData("cluster", "inspect")]
    [InlineData("cluster", "update")]
    public void New_commands_have_help_with_examples(string group, string verb)
    {
        var help = Assert.IsType<HelpRequested>(CliParser.Parse([group, verb, "--help"]));

        Assert.StartsWith($"Usage:  swarmctl {group} {verb}", help.Text);
        Assert.Contains($"Examples:\n  swarmctl {group} {verb}", help.Text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void The_overview_lists_the_cluster_group()
    {
        var help = Assert.IsType<HelpRequested>(CliParser.Parse(["--help"]));

        Assert.Contains("cluster update", help.Text);
        Assert.Contains("service logs", help.Text);
        Assert.Contains("node drain", help.Text);
    }

    [Theory]
    [InlineData("create", "--mode")]
    [InlineData("create", "--update-failure-action ACTION")]
    [InlineData("create", "--rollback-order ORDER")]
    [InlineData("update", "--constraint-add EXPR")]
    [InlineData("update", "--publish-rm TARGET[/PROTOCOL]")]
    [InlineData("update", "--rollback ")]
    [InlineData("update", "--force ")]
    public void Service_help_lists_the_new_flags(string verb, string flag)
    {
        var help = Assert.IsType<HelpRequested>(CliParser.Parse(["service", verb, "--help"]));

        Assert.Contains(flag, help.Text);
    }
}
