using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Output;

namespace Swarm.Ctl.Tests;

public class ServiceProgressViewsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 20, 31, 2, 123, TimeSpan.Zero);
    private static readonly Guid Id = Guid.Parse("0123456789abcdef0123456789abcdef");

    private static ServiceDetail Detail(string mode, ServiceSpec? spec = null) => new()
    {
        Id = Id,
        Name = "svc",
        Mode = mode,
        Spec = spec ?? new ServiceSpec { Name = "svc", Mode = mode, Command = ["app"] },
        CreatedAt = Now,
        UpdatedAt = Now,
    };

    [Fact]
    public void Service_ls_shows_the_api_progress_in_the_replicas_column()
    {
        var text = Views.Services(
        [
            new ServiceSummary { Id = Id, Name = "agent", Mode = "global", Replicas = 5, Running = 5, Progress = "global 5/5", Command = ["a"] },
            new ServiceSummary { Id = Id, Name = "batch", Mode = "replicated-job", Progress = "job 7/10 completed", Command = ["b"] },
            new ServiceSummary { Id = Id, Name = "once", Mode = "global-job", Progress = "global job 2/3 completed", Command = ["c"] },
            new ServiceSummary { Id = Id, Name = "web", Replicas = 3, Running = 2, Progress = "2/3", Command = ["d"] },
        ]);

        var lines = text.TrimEnd('\n').Split('\n');
        var at = lines[0].IndexOf("REPLICAS", StringComparison.Ordinal);
        var end = lines[0].IndexOf("IMAGE/COMMAND", StringComparison.Ordinal);
        Assert.Equal(["global 5/5", "job 7/10 completed", "global job 2/3 completed", "2/3"], lines[1..].Select(l => l[at..end].Trim()));
    }

    [Fact]
    public void Service_ls_falls_back_to_running_over_replicas_without_progress()
    {
        var text = Views.Services([new ServiceSummary { Id = Id, Name = "web", Replicas = 3, Running = 1, Command = ["d"] }]);

        Assert.Contains(" 1/3 ", text);
    }

    [Fact]
    public void Inspect_of_a_replicated_job_shows_completions_concurrency_and_running()
    {
        var detail = Detail("replicated-job", new ServiceSpec { Name = "svc", Mode = "replicated-job", TotalCompletions = 10, MaxConcurrent = 3, Command = ["app"] })
            with { Running = 3, Completed = 7, TotalCompletions = 10 };

        var text = Views.Service(detail, Now);

        Assert.Contains("Completions:       7/10 completed\n", text);
        Assert.Contains("Max concurrent:    3\n", text);
        Assert.Contains("Running:           3\n", text);
        Assert.DoesNotContain("Replicas:", text);
    }

    [Fact]
    public void Inspect_of_a_global_service_says_one_task_per_node()
    {
        var text = Views.Service(Detail("global") with { Running = 4, Replicas = 5 }, Now);

        Assert.Contains("Replicas:          4/5 running (one per eligible node)\n", text);
    }

    [Fact]
    public void Inspect_of_a_global_job_shows_completions_per_node()
    {
        var text = Views.Service(Detail("global-job") with { Completed = 2, TotalCompletions = 3, Running = 1 }, Now);

        Assert.Contains("Completions:       2/3 completed (one per eligible node)\n", text);
    }

    [Fact]
    public void Inspect_shows_the_update_status_with_message_and_times()
    {
        var detail = Detail("replicated") with
        {
            UpdateStatus = new UpdateStatusView { State = "rollback_completed", Message = "update rolled back: 2 of 6 tasks failed", StartedAt = Now.AddMinutes(-2), CompletedAt = Now.AddSeconds(-30) },
        };

        var text = Views.Service(detail, Now);

        Assert.Contains("Update status:     rollback completed\n", text);
        Assert.Contains("Update message:    update rolled back: 2 of 6 tasks failed\n", text);
        Assert.Contains("Update started:    2026-11-24T20:29:02.123Z (2 minutes ago)\n", text);
        Assert.Contains("Update completed:  2026-11-24T20:30:32.123Z (30 seconds ago)\n", text);
    }

    [Fact]
    public void Inspect_of_an_update_in_progress_has_no_completed_line()
    {
        var detail = Detail("replicated") with { UpdateStatus = new UpdateStatusView { State = "updating", Message = "update in progress", StartedAt = Now } };

        var text = Views.Service(detail, Now);

        Assert.Contains("Update status:     updating\n", text);
        Assert.DoesNotContain("Update completed", text);
    }

    [Fact]
    public void Inspect_without_an_update_shows_no_update_status()
    {
        Assert.DoesNotContain("Update status", Views.Service(Detail("replicated"), Now));
    }

    [Fact]
    public void Update_configs_show_defaults_for_what_is_not_set()
    {
        Assert.Equal("1 at a time, delay 0s, on failure pause, monitor 5s, max failure ratio 0, stop-first", Views.UpdateConfig(null));
        Assert.Equal(
            "all at once, delay 1m30s, on failure rollback, monitor 10s, max failure ratio 0.25, start-first",
            Views.UpdateConfig(new UpdateConfigSpec { Parallelism = 0, DelaySeconds = 90, FailureAction = "rollback", MonitorSeconds = 10, MaxFailureRatio = 0.25, Order = "start-first" }));
    }

    [Fact]
    public void Inspect_shows_the_update_and_rollback_configs()
    {
        var spec = new ServiceSpec { Name = "svc", Command = ["app"], UpdateConfig = new UpdateConfigSpec { Parallelism = 2 }, RollbackConfig = new UpdateConfigSpec { Order = "start-first" } };

        var text = Views.Service(Detail("replicated", spec), Now);

        Assert.Contains("Update config:     2 at a time,", text);
        Assert.Contains("Rollback config:   1 at a time, delay 0s, on failure pause, monitor 5s, max failure ratio 0, start-first\n", text);
    }

    [Fact]
    public void Inspect_shows_placement_resources_and_ports()
    {
        var spec = new ServiceSpec
        {
            Name = "svc",
            Command = ["app"],
            Placement = new PlacementSpec
            {
                Constraints = ["node.labels.zone==east", "node.role!=manager"],
                Preferences = [new PlacementPreferenceSpec { Spread = "node.labels.rack" }],
                MaxReplicasPerNode = 2,
                Platforms = [new PlatformSpec { Os = "linux", Architecture = "amd64" }],
            },
            Resources = new ResourcesSpec
            {
                Reservations = new ResourceAmounts { NanoCpus = 500_000_000, MemoryBytes = 256L << 20, Generic = new Dictionary<string, long> { ["gpu"] = 2 } },
                Limits = new ResourceAmounts { MemoryBytes = 1L << 30 },
            },
            Ports = [new PortSpec { PublishedPort = 8080, TargetPort = 80 }, new PortSpec { TargetPort = 53, Protocol = "udp", Mode = "host" }],
        };

        var text = Views.Service(Detail("replicated", spec), Now);

        Assert.Contains("Constraint:        node.labels.zone==east\nConstraint:        node.role!=manager\n", text);
        Assert.Contains("Placement pref:    spread=node.labels.rack\n", text);
        Assert.Contains("Max per node:      2\n", text);
        Assert.Contains("Platform:          linux/amd64\n", text);
        Assert.Contains("Reservations:      0.5 CPUs, 256 MiB memory, gpu=2\n", text);
        Assert.Contains("Limits:            1 GiB memory\n", text);
        Assert.Contains("Port:              8080:80/tcp (ingress)\nPort:              53/udp (host)\n", text);
    }

    [Fact]
    public void Cluster_inspect_shows_the_limit_and_when_it_changed()
    {
        var text = Views.Cluster(new ClusterView { Id = Id, TaskHistoryLimit = 10, NodeCertExpirySeconds = 30 * 86400, UpdatedAt = Now.AddMinutes(-3) }, Now);

        Assert.Equal(
            "ID:                 0123456789abcdef0123456789abcdef\n" +
            "Task history limit: 10 ended tasks per slot\n" +
            "Node cert expiry:   30d\n" +
            "Updated:            2026-11-24T20:28:02.123Z (3 minutes ago)\n",
            text);
    }

    [Fact]
    public void Help_texts_line_up_after_the_longest_flag()
    {
        var help = Assert.IsType<HelpRequested>(CliParser.Parse(["service", "update", "--help"])).Text.ReplaceLineEndings("\n");

        var lines = help.Split('\n');
        int Column(string text) => lines.Single(l => l.Contains(text, StringComparison.Ordinal)).IndexOf(text, StringComparison.Ordinal);

        var column = Column("Show this help");
        Assert.Equal(column, Column("Share of failed tasks tolerated during a rollback"));
        Assert.Equal(column, Column("Stop reserving a named resource"));
        Assert.Equal(column, Column("Number of tasks"));
        Assert.True(column > "  --rollback-max-failure-ratio RATIO".Length);
    }
}
