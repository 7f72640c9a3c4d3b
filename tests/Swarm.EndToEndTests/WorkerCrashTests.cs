using System.Globalization;
using System.Net;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// A worker killed (kill -9) while its tasks start, then started again: every task process it had
/// started is adopted or stopped, none runs beside its replacement, none outlives the service.
/// </summary>
public sealed class WorkerCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private const int Replicas = 30;

    [SkippableFact]
    public async Task A_worker_killed_while_its_tasks_start_leaves_exactly_one_process_per_running_task_and_none_after_removal()
    {
        await using var cluster = await RunningCluster.StartAsync(heartbeatSeconds: 2);
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");

            // a command line no other process on this machine has: the test counts this service's processes by it
            var seconds = (3600 + Random.Shared.Next(1, 100_000)).ToString(CultureInfo.InvariantCulture);
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "crash", replicas = Replicas, command = new[] { "sleep", seconds } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");

            // kill -9 worker-1 while it starts its share of the tasks, then start it again
            await Eventually.WaitAsync(() => Task.FromResult(TaskProcesses(seconds).Count), n => n >= 3, Timeout, "the first task processes");
            cluster.Kill("worker-1");
            output.WriteLine($"worker-1 killed with {TaskProcesses(seconds).Count} task processes alive");
            await cluster.StartWorkerAsync("worker-1");

            // settled: every replica runs, in exactly one process, and no other process of the service is left
            var settled = await Eventually.WaitAsync(
                async () => new Census((await cluster.TasksAsync("crash")).Where(t => t.Running).Select(t => t.Id).ToList(), TaskProcesses(seconds)),
                c => c.Running.Count == Replicas && c.Processes.Count == Replicas && c.Processes.Select(p => p.TaskId).Order().SequenceEqual(c.Running.Order()),
                Timeout,
                $"{Replicas} running tasks, each in exactly one process");
            output.WriteLine(settled.ToString());

            var removed = await cluster.Api.DeleteAsync("/api/services/crash");
            Assert.True(removed.IsSuccessStatusCode, $"remove: {removed.StatusCode}");
            await Eventually.WaitAsync(() => Task.FromResult(TaskProcesses(seconds, leadersOnly: false).Count), n => n == 0, Timeout, "no process of the removed service");
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }

    /// <summary>The service's running tasks and the task processes alive, as the test sees them.</summary>
    private sealed record Census(List<string> Running, List<(int Pid, string TaskId)> Processes)
    {
        public override string ToString()
        {
            var byTask = Processes.GroupBy(p => p.TaskId).ToDictionary(g => g.Key, g => g.Select(p => p.Pid).ToList());
            var twice = byTask.Where(kv => kv.Value.Count > 1).Select(kv => $"{kv.Key} in {string.Join("+", kv.Value)}");
            var stray = byTask.Where(kv => !Running.Contains(kv.Key)).Select(kv => $"{kv.Key} ({string.Join("+", kv.Value)})");
            var missing = Running.Where(id => !byTask.ContainsKey(id));
            return $"{Running.Count} running tasks, {Processes.Count} task processes; running twice: [{string.Join(", ", twice)}]; " +
                $"processes of tasks not running: [{string.Join(", ", stray)}]; running tasks without a process: [{string.Join(", ", missing)}]";
        }
    }

    /// <summary>
    /// The live processes running <c>sleep <paramref name="seconds"/></c> with a task id in their
    /// environment: with <paramref name="leadersOnly"/>, those leading their own session (a task process).
    /// </summary>
    private static List<(int Pid, string TaskId)> TaskProcesses(string seconds, bool leadersOnly = true)
    {
        var found = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (cmdline.Length != 2 || Path.GetFileName(cmdline[0]) != "sleep" || cmdline[1] != seconds)
                {
                    continue;
                }

                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var taskId = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0')
                    .FirstOrDefault(e => e.StartsWith("SWARM_TASK_ID=", StringComparison.Ordinal))?["SWARM_TASK_ID=".Length..];
                if (fields[0] is "Z" or "X" || taskId is null || (leadersOnly && fields[3] != pid.ToString(CultureInfo.InvariantCulture)))
                {
                    continue;
                }

                found.Add((pid, taskId));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }

        return found;
    }
}
