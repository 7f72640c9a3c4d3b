using System.Text.Json;
using Swarm.EndToEndTests.Infrastructure;

namespace Swarm.EndToEndTests;

/// <summary>
/// How the processes a cluster runs are built: the long-running ones compile each method once, fully
/// optimized (no tiered compilation), the one-shot schema migrator keeps the runtime's default.
/// </summary>
public sealed class RuntimeSettingsTests
{
    public static TheoryData<string, string> LongRunning => new()
    {
        { "services/controlapi", "Swarm.ControlApi" },
        { "services/orchestrator", "Swarm.Orchestrator" },
        { "services/allocator", "Swarm.Allocator" },
        { "services/scheduler", "Swarm.Scheduler" },
        { "services/dispatcher", "Swarm.Dispatcher" },
        { "agents/worker", "Swarm.Worker" },
    };

    [Theory]
    [MemberData(nameof(LongRunning))]
    public void Long_running_processes_do_not_tier_their_compilation(string folder, string assembly)
    {
        var properties = ConfigProperties(folder, assembly);
        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation", out var tiered), $"{assembly} does not set System.Runtime.TieredCompilation");
        Assert.False(tiered.GetBoolean());

        // the settings every project shares still apply (the folder's props import the root's)
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    [Fact]
    public void The_schema_migrator_keeps_tiered_compilation()
    {
        Assert.False(ConfigProperties("tools/migrator", "Swarm.Migrator").TryGetProperty("System.Runtime.TieredCompilation", out _));
    }

    private static JsonElement ConfigProperties(string folder, string assembly)
    {
        var path = Path.Combine(RunningCluster.RepoRoot, folder, "bin", RunningCluster.Configuration, "net10.0", assembly + ".runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is not built");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
