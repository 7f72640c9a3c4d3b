using System.Text.Json;
using System.Text.Json.Nodes;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Running;

namespace Swarm.Ctl.Tests;

/// <summary><c>cluster update --autolock</c>, <c>cluster unlock</c> and <c>cluster unlock-key</c>.</summary>
public class AutolockCommandTests
{
    private const string Key = "SWMKEY-1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    private static string Json(object value) => JsonSerializer.Serialize(value, ApiClient.Json);

    [Fact]
    public void Autolock_is_a_switch_of_cluster_update_and_unlock_takes_no_key_on_the_command_line()
    {
        Assert.Equal(true, Cli.Command<ClusterUpdate>("cluster", "update", "--autolock").Autolock);
        Assert.Equal(false, Cli.Command<ClusterUpdate>("cluster", "update", "--autolock=false").Autolock);
        Assert.Null(Cli.Command<ClusterUpdate>("cluster", "update", "--task-history-limit", "3").Autolock);
        Assert.Equal(OutputFormat.Json, Cli.Command<ClusterUpdate>("cluster", "update", "--autolock", "--format", "json").Format);
        Assert.Equal(new ClusterUnlock(null), Cli.Command<ClusterUnlock>("cluster", "unlock"));
        Assert.Equal(new ClusterUnlock("k.txt"), Cli.Command<ClusterUnlock>("cluster", "unlock", "--key-file", "k.txt"));
        Cli.Usage("cluster", "unlock", Key);
        Assert.Equal(new ClusterUnlockKey(true, false, OutputFormat.Pretty), Cli.Command<ClusterUnlockKey>("cluster", "unlock-key", "--rotate"));
    }

    private static async Task<(int Exit, string Out, string Err, string Posted, List<string> Requests)> RunAsync(CliCommand command, string answer, string stdin = "")
    {
        var posted = "";
        await using var api = new ScriptedApi((request, response) =>
        {
            posted = request.Body;
            return ScriptedApi.JsonAsync(response, answer);
        });
        using var http = new HttpClient { BaseAddress = new Uri(api.Url + "/") };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var runner = new CommandRunner(new ApiClient(http), stdout, stderr, TimeProvider.System, () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(stdin)));
        var exit = await runner.RunAsync(command, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString(), posted, api.Requests);
    }

    [Fact]
    public async Task Enabling_autolock_prints_the_key_once_with_a_warning_to_store_it()
    {
        var (exit, output, _, posted, requests) = await RunAsync(new ClusterUpdate(null, null, true),
            Json(new AutolockView { Enabled = true, KeyKnown = true, UnlockKey = Key }));

        Assert.Equal(0, exit);
        Assert.Equal("POST api/cluster/autolock", requests.Single()[..25]);
        Assert.True((bool)JsonNode.Parse(posted)!["autolock"]!);
        Assert.Contains($"    {Key}\n", output, StringComparison.Ordinal);
        Assert.Contains("Store this key safely", output, StringComparison.Ordinal);

        var (_, json, err, _, _) = await RunAsync(new ClusterUpdate(null, null, true, OutputFormat.Json),
            Json(new AutolockView { Enabled = true, KeyKnown = true, UnlockKey = Key }));
        Assert.Equal(Key, (string?)JsonNode.Parse(json)!["unlockKey"]);
        Assert.Contains("Store this key safely", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unlock_reads_the_key_from_standard_input_and_reports_each_dispatcher()
    {
        var (exit, output, _, posted, requests) = await RunAsync(new ClusterUnlock(null),
            Json(new AutolockView { Enabled = true, Dispatchers = [new DispatcherLockView { Address = "https://d1:4243", Reachable = true, Locked = false }] }),
            stdin: $"{Key}\n");

        Assert.Equal(0, exit);
        Assert.StartsWith("POST api/cluster/unlock", requests.Single(), StringComparison.Ordinal);
        Assert.Equal(Key, (string?)JsonNode.Parse(posted)!["key"]);
        Assert.Contains("dispatcher https://d1:4243: unlocked", output, StringComparison.Ordinal);
    }
}
