using System.Globalization;
using System.Text;
using Swarm.EndToEndTests.Infrastructure;

namespace Swarm.EndToEndTests.Chaos;

/// <summary>One fault's outcome: how long from the fault to every replica running, and what broke.</summary>
public sealed record ChaosOutcome(string Fault, int Replicas, int RunningAtFault, TimeSpan? Converged, IReadOnlyList<string> Violations)
{
    public bool Passed => Converged is not null && Violations.Count == 0;
}

/// <summary>
/// The table of faults × converge time, kept in a Markdown file that every chaos test updates with its
/// own row (one file per service size): <c>$SWARM_CHAOS_RESULTS</c>, by default <c>.run/chaos/</c> of the
/// repository.
/// </summary>
public static class ConvergeTable
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string Directory =>
        Environment.GetEnvironmentVariable("SWARM_CHAOS_RESULTS") is { Length: > 0 } dir ? dir : Path.Combine(RunningCluster.RepoRoot, ".run", "chaos");

    public static string FileFor(int replicas) => Path.Combine(Directory, $"converge-{replicas.ToString(CultureInfo.InvariantCulture)}.md");

    /// <summary>Writes the outcome's row (replacing an older row of the same fault) and returns the whole table.</summary>
    public static async Task<string> RecordAsync(ChaosOutcome outcome)
    {
        await Gate.WaitAsync();
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var file = FileFor(outcome.Replicas);
            var rows = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (File.Exists(file))
            {
                foreach (var line in await File.ReadAllLinesAsync(file))
                {
                    var cells = line.Split('|', StringSplitOptions.TrimEntries);
                    if (cells.Length > 2 && cells[1].Length > 0 && cells[1] != "fault" && !cells[1].StartsWith("---", StringComparison.Ordinal))
                    {
                        rows[cells[1]] = line;
                    }
                }
            }

            var converged = outcome.Converged is { } c ? c.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s" : "did not converge";
            var result = outcome.Passed ? "passed" : "FAILED: " + string.Join("; ", outcome.Violations.Select(v => v.Split('\n')[0].Replace('|', '/')));
            rows[outcome.Fault] = string.Create(CultureInfo.InvariantCulture,
                $"| {outcome.Fault} | {outcome.Replicas} | {outcome.RunningAtFault} | {converged} | {result} | {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC |");

            var table = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"Chaos suite, a service of {outcome.Replicas} replicas on two process-executor workers: fault injected while it starts → every replica running")
                .AppendLine()
                .AppendLine("| fault | replicas | running when injected | converge time | result | run |")
                .AppendLine("|---|---|---|---|---|---|");
            foreach (var row in rows.Values)
            {
                table.AppendLine(row);
            }

            await File.WriteAllTextAsync(file, table.ToString());
            return table.ToString();
        }
        finally
        {
            Gate.Release();
        }
    }
}
