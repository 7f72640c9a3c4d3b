using System.Text.RegularExpressions;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.EndToEndTests;

/// <summary>
/// Autolock on the whole cluster as processes: turned on with swarmctl, the control API and a dispatcher replica killed
/// and started again come back locked; <c>service create</c> is refused as locked, a wrong key is refused, the right one
/// unlocks the control API and, through it, the dispatcher; then a service is created.
/// </summary>
public sealed partial class AutolockTests
{
    [GeneratedRegex(@"SWMKEY-1-[A-Za-z0-9+/]+")]
    private static partial Regex KeyPattern();

    [SkippableFact]
    public async Task A_restarted_manager_refuses_to_serve_until_unlocked()
    {
        await using var cluster = await RunningCluster.StartAsync();
        var enabled = await cluster.SwarmctlAsync("cluster", "update", "--autolock");
        Assert.True(enabled.ExitCode == 0, enabled.Stderr);
        var key = KeyPattern().Match(enabled.Stdout).Value;
        Assert.NotEmpty(key);

        cluster.Kill("controlapi");
        cluster.Kill(cluster.Dispatchers[0]);
        cluster.Restart("controlapi");
        cluster.RestartDispatcher(cluster.Dispatchers[0]);
        var inspect = await Eventually.WaitAsync(() => cluster.SwarmctlAsync("cluster", "inspect"), r => r.ExitCode == 0, TimeSpan.FromSeconds(60), "the control API to answer again");
        Assert.Contains("locked (run 'swarmctl cluster unlock')", inspect.Stdout, StringComparison.Ordinal);
        await Eventually.WaitAsync(() => cluster.SwarmctlAsync("cluster", "inspect"), r => Regex.IsMatch(r.Stdout, @"Dispatcher .*:\s+locked"),
            TimeSpan.FromSeconds(60), "the restarted dispatcher to answer, locked");

        var refused = await cluster.SwarmctlAsync("service", "create", "--name", "web", "--", "sleep", "300");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("the cluster is locked: run 'swarmctl cluster unlock' with the unlock key", refused.Stderr, StringComparison.Ordinal);

        var dir = Directory.CreateTempSubdirectory("autolock-e2e-").FullName;
        try
        {
            var wrongFile = Path.Combine(dir, "wrong.key");
            await File.WriteAllTextAsync(wrongFile, "SWMKEY-1-" + Convert.ToBase64String(new byte[32]).TrimEnd('='));
            var wrong = await cluster.SwarmctlAsync("cluster", "unlock", "--key-file", wrongFile);
            Assert.NotEqual(0, wrong.ExitCode);
            Assert.Contains("not this cluster's current unlock key", wrong.Stderr, StringComparison.Ordinal);
            Assert.NotEqual(0, (await cluster.SwarmctlAsync("service", "ls")).ExitCode);

            var keyFile = Path.Combine(dir, "unlock.key");
            await File.WriteAllTextAsync(keyFile, key + "\n");
            var unlocked = await cluster.SwarmctlAsync("cluster", "unlock", "--key-file", keyFile);
            Assert.True(unlocked.ExitCode == 0, unlocked.Stderr);
            Assert.Contains("control API: unlocked", unlocked.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        // the dispatcher replica that restarted is unlocked by the control API (at once, or by its periodic pass)
        await Eventually.WaitAsync(() => cluster.SwarmctlAsync("cluster", "inspect"), r => r.ExitCode == 0 && !r.Stdout.Contains("locked (", StringComparison.Ordinal)
            && !Regex.IsMatch(r.Stdout, @"Dispatcher .*:\s+locked"), TimeSpan.FromSeconds(30), "every manager process unlocked");

        var created = await cluster.SwarmctlAsync("service", "create", "--name", "web", "--", "sleep", "300");
        Assert.True(created.ExitCode == 0, created.Stderr);
    }
}
