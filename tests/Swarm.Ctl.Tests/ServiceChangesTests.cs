using Swarm.Contracts.Model;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

public class ServiceChangesTests
{
    private static readonly ServiceSpec Current = new()
    {
        Name = "web",
        Replicas = 3,
        Image = "nginx:1",
        Command = ["sleep", "3600"],
        Env = new Dictionary<string, string> { ["A"] = "1", ["B"] = "2", ["KEEP"] = "k" },
        RestartPolicy = new RestartPolicySpec { Condition = "on-failure", DelaySeconds = 5, MaxAttempts = 3, WindowSeconds = 60 },
        StopGracePeriodSeconds = 10,
    };

    private static ServiceChanges ChangesOf(params string[] flags) =>
        Cli.Command<ServiceUpdate>(["service", "update", "web", .. flags]).Changes;

    [Fact]
    public void Env_changes_are_merged_into_the_current_environment()
    {
        var body = ChangesOf("--env", "A=9", "--env-add", "C=3", "--env-rm", "B").ToBody(Current);

        Assert.NotNull(body.Env);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "9", ["C"] = "3", ["KEEP"] = "k" }, body.Env);
    }

    [Fact]
    public void Removing_and_setting_the_same_key_keeps_the_new_value()
    {
        var body = ChangesOf("--env-rm", "A", "--env", "A=new").ToBody(Current);

        Assert.Equal("new", body.Env!["A"]);
    }

    [Fact]
    public void Env_is_merged_into_an_empty_environment_when_the_service_has_none()
    {
        var body = ChangesOf("--env", "X=1", "--env-rm", "NOPE").ToBody(Current with { Env = null });

        Assert.Equal(new Dictionary<string, string> { ["X"] = "1" }, body.Env);
    }

    [Fact]
    public void Env_is_left_out_of_the_body_when_not_changed()
    {
        var body = ChangesOf("--replicas", "5").ToBody(Current);

        Assert.Equal(5, body.Replicas);
        Assert.Null(body.Env);
        Assert.Null(body.RestartPolicy);
        Assert.Null(body.Image);
        Assert.Null(body.Command);
        Assert.Null(body.StopGracePeriodSeconds);
    }

    [Fact]
    public void The_current_spec_is_not_modified_by_merging()
    {
        ChangesOf("--env", "A=9", "--env-rm", "B").ToBody(Current);

        Assert.Equal("1", Current.Env!["A"]);
        Assert.True(Current.Env.ContainsKey("B"));
    }

    [Fact]
    public void One_restart_flag_changes_only_that_member_of_the_current_policy()
    {
        var body = ChangesOf("--restart-delay", "1m30s").ToBody(Current);

        Assert.Equal(
            new RestartPolicySpec { Condition = "on-failure", DelaySeconds = 90, MaxAttempts = 3, WindowSeconds = 60 },
            body.RestartPolicy);
    }

    [Fact]
    public void All_restart_flags_replace_every_member_with_durations_in_seconds()
    {
        var body = ChangesOf("--restart-condition", "none", "--restart-delay", "500ms", "--restart-max-attempts", "0", "--restart-window", "2h").ToBody(Current);

        Assert.Equal(
            new RestartPolicySpec { Condition = "none", DelaySeconds = 0.5, MaxAttempts = 0, WindowSeconds = 7200 },
            body.RestartPolicy);
    }

    [Fact]
    public void A_restart_flag_on_a_service_without_policy_sets_only_that_member()
    {
        var body = ChangesOf("--restart-condition", "any").ToBody(Current with { RestartPolicy = null });

        Assert.Equal(new RestartPolicySpec { Condition = "any" }, body.RestartPolicy);
    }

    [Fact]
    public void Stop_grace_period_image_and_command_go_into_the_body_as_given()
    {
        var body = ChangesOf("--stop-grace-period", "1m", "--image", "nginx:2", "--", "nginx", "-g", "daemon off;").ToBody(Current);

        Assert.Equal(60.0, body.StopGracePeriodSeconds);
        Assert.Equal("nginx:2", body.Image);
        Assert.Equal(["nginx", "-g", "daemon off;"], body.Command);
    }
}
