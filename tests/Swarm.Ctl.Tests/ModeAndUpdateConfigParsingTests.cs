using Swarm.Contracts.Model;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

public class ModeAndUpdateConfigParsingTests
{
    private static ServiceSpec Create(params string[] flags) =>
        Cli.Command<ServiceCreate>(["service", "create", "--name", "job", .. flags, "--", "sleep", "1"]).Spec;

    [Theory]
    [InlineData("replicated")]
    [InlineData("global")]
    [InlineData("replicated-job")]
    [InlineData("global-job")]
    public void Every_service_mode_is_accepted(string mode)
    {
        Assert.Equal(mode, Create("--mode", mode).Mode);
    }

    [Fact]
    public void Mode_is_left_out_when_not_given_so_the_api_default_applies()
    {
        var spec = Create();

        Assert.Null(spec.Mode);
        Assert.Null(spec.TotalCompletions);
        Assert.Null(spec.MaxConcurrent);
    }

    [Fact]
    public void A_replicated_job_takes_total_completions_and_max_concurrent()
    {
        var spec = Create("--mode", "replicated-job", "--total-completions", "10", "--max-concurrent", "3");

        Assert.Equal(("replicated-job", 10, 3), (spec.Mode, spec.TotalCompletions, spec.MaxConcurrent));
        Assert.Null(spec.Replicas);
    }

    [Fact]
    public void An_unknown_mode_is_refused_with_the_known_ones()
    {
        var error = Cli.Usage("service", "create", "--name", "x", "--mode", "daemon", "--", "a");

        Assert.Equal("invalid value 'daemon' for --mode: use replicated, global, replicated-job, global-job", error.Message);
    }

    [Theory]
    [InlineData("global")]
    [InlineData("global-job")]
    public void Replicas_are_refused_for_global_modes(string mode)
    {
        var error = Cli.Usage("service", "create", "--name", "x", "--mode", mode, "--replicas", "3", "--", "a");

        Assert.Contains("--replicas does not apply", error.Message);
        Assert.Contains("one task per node", error.Message);
    }

    [Fact]
    public void Replicas_are_refused_for_a_replicated_job_pointing_at_total_completions()
    {
        var error = Cli.Usage("service", "create", "--name", "x", "--mode", "replicated-job", "--replicas", "3", "--", "a");

        Assert.Contains("--total-completions", error.Message);
    }

    [Theory]
    [InlineData("--total-completions", null)]
    [InlineData("--max-concurrent", "global-job")]
    [InlineData("--total-completions", "replicated")]
    public void Job_sizes_are_refused_outside_a_replicated_job(string flag, string? mode)
    {
        string[] modeFlags = mode is null ? [] : ["--mode", mode];
        var error = Cli.Usage(["service", "create", "--name", "x", .. modeFlags, flag, "2", "--", "a"]);

        Assert.Equal($"{flag} applies to --mode replicated-job only", error.Message);
    }

    [Fact]
    public void Max_concurrent_must_be_at_least_one()
    {
        var error = Cli.Usage("service", "create", "--name", "x", "--mode", "replicated-job", "--max-concurrent", "0", "--", "a");

        Assert.Equal("invalid value '0' for --max-concurrent: must be 1 or more", error.Message);
    }

    [Fact]
    public void Update_flags_on_create_become_the_update_config()
    {
        var spec = Create(
            "--update-parallelism", "2", "--update-delay", "1s", "--update-failure-action", "rollback",
            "--update-monitor", "5s", "--update-max-failure-ratio", "0.2", "--update-order", "start-first");

        Assert.Equal(
            new UpdateConfigSpec { Parallelism = 2, DelaySeconds = 1, FailureAction = "rollback", MonitorSeconds = 5, MaxFailureRatio = 0.2, Order = "start-first" },
            spec.UpdateConfig);
        Assert.Null(spec.RollbackConfig);
    }

    [Fact]
    public void Rollback_flags_on_create_become_the_rollback_config()
    {
        var spec = Create("--rollback-parallelism", "0", "--rollback-failure-action", "continue", "--rollback-delay", "500ms");

        Assert.Equal(new UpdateConfigSpec { Parallelism = 0, FailureAction = "continue", DelaySeconds = 0.5 }, spec.RollbackConfig);
        Assert.Null(spec.UpdateConfig);
    }

    [Fact]
    public void Update_config_values_are_case_insensitive()
    {
        var spec = Create("--update-failure-action", "PAUSE", "--update-order", "Start-First");

        Assert.Equal(("pause", "start-first"), (spec.UpdateConfig!.FailureAction, spec.UpdateConfig.Order));
    }

    [Theory]
    [InlineData("--update-failure-action", "stop", "invalid value 'stop' for --update-failure-action: use pause, continue or rollback")]
    [InlineData("--update-order", "random", "invalid value 'random' for --update-order: use stop-first or start-first")]
    [InlineData("--update-max-failure-ratio", "1.5", "invalid value '1.5' for --update-max-failure-ratio: expected a number from 0 to 1, e.g. 0.2")]
    [InlineData("--update-max-failure-ratio", "-0.1", "invalid value '-0.1' for --update-max-failure-ratio: expected a number from 0 to 1, e.g. 0.2")]
    [InlineData("--update-parallelism", "-1", "invalid value '-1' for --update-parallelism: must be 0 or more")]
    [InlineData("--rollback-order", "x", "invalid value 'x' for --rollback-order: use stop-first or start-first")]
    public void Bad_update_config_values_are_refused_with_the_flag_named(string flag, string value, string message)
    {
        Assert.Equal(message, Cli.Usage("service", "create", "--name", "x", flag, value, "--", "a").Message);
    }

    [Fact]
    public void A_rollback_is_never_itself_rolled_back()
    {
        var error = Cli.Usage("service", "create", "--name", "x", "--rollback-failure-action", "rollback", "--", "a");

        Assert.Contains("a rollback is never rolled back", error.Message);
    }

    [Fact]
    public void Update_durations_use_the_duration_syntax()
    {
        var error = Cli.Usage("service", "create", "--name", "x", "--update-delay", "5x", "--", "a");

        Assert.StartsWith("invalid value for --update-delay:", error.Message);
    }

    [Fact]
    public void Merging_keeps_the_current_values_of_settings_not_given()
    {
        var current = new UpdateConfigSpec { Parallelism = 2, DelaySeconds = 1, FailureAction = "rollback", MonitorSeconds = 10, MaxFailureRatio = 0.1, Order = "start-first" };

        var merged = UpdateConfigOptions.Merge(current, new UpdateConfigSpec { Parallelism = 4, Order = "stop-first" });

        Assert.Equal(current with { Parallelism = 4, Order = "stop-first" }, merged);
    }

    [Fact]
    public void Merging_into_no_config_gives_only_the_settings_given()
    {
        Assert.Equal(new UpdateConfigSpec { DelaySeconds = 2 }, UpdateConfigOptions.Merge(null, new UpdateConfigSpec { DelaySeconds = 2 }));
    }
}
