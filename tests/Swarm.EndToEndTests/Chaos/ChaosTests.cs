using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests.Chaos;

/// <summary>
/// The chaos suite: for each fault, a replicated service is created on a whole cluster (two
/// process-executor workers), the fault is injected while its tasks start, and once the fault is over
/// these must hold: every replica running within a bounded wait, one running task per slot, exactly
/// one operating-system process per running task (and none for any other task), no task's state moving
/// backwards in the log, and no task process left after <c>service rm</c>. Each fault's converge time
/// (fault injected → every replica running) goes into a table, <see cref="ConvergeTable"/>, printed
/// here too.
/// <para>
/// Size and timing from the environment: <c>SWARM_CHAOS_REPLICAS</c> (replicas of the service, 30 by
/// default, which <c>./swarm test</c> runs; 100 or more by hand), <c>SWARM_CHAOS_CONVERGE_SECONDS</c>
/// (how long after the fault every replica may take to run, 60 + one per replica by default),
/// <c>SWARM_CHAOS_OUTAGE_SECONDS</c> (RabbitMQ or PostgreSQL stopped, 15), <c>SWARM_CHAOS_FREEZE_SECONDS</c>
/// (a dispatcher leader SIGSTOPped, 10) and <c>SWARM_CHAOS_RESULTS</c> (where the table goes, by default
/// <c>.run/chaos/</c>). The RabbitMQ and PostgreSQL faults run the cluster on a private broker or database
/// server that the test stops and starts (root and the OS packages needed; skipped with the reason
/// otherwise), never the shared ones.
/// </para>
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const string Service = "chaos";
    private const int HeartbeatSeconds = 5;

    /// <summary>A supervisor's delay before it starts a crashed process again.</summary>
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(2);

    private static readonly int Replicas = Knob("SWARM_CHAOS_REPLICAS", 30);
    private static readonly TimeSpan ConvergeTimeout = TimeSpan.FromSeconds(Knob("SWARM_CHAOS_CONVERGE_SECONDS", 60 + Replicas));
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(Knob("SWARM_CHAOS_OUTAGE_SECONDS", 15));
    private static readonly TimeSpan Freeze = TimeSpan.FromSeconds(Knob("SWARM_CHAOS_FREEZE_SECONDS", 10));

    /// <summary>How long the processes may take to match the tasks once every replica runs (a restarted worker adopting or reaping).</summary>
    private static readonly TimeSpan ProcessSettle = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(60);

    [SkippableTheory]
    [InlineData("controlapi")]
    [InlineData("orchestrator")]
    [InlineData("allocator")]
    [InlineData("scheduler")]
    public Task A_manager_killed_while_a_service_starts_is_restarted_and_every_replica_runs_once(string manager) =>
        RunAsync($"kill -9 {manager}", async cluster =>
        {
            cluster.Kill(manager);
            await Task.Delay(RestartDelay);
            cluster.Restart(manager);
        });

    [SkippableFact]
    public Task Every_manager_killed_at_once_while_a_service_starts_is_restarted_and_every_replica_runs_once() =>
        RunAsync("kill -9 controlapi+orchestrator+allocator+scheduler", async cluster =>
        {
            string[] managers = ["controlapi", "orchestrator", "allocator", "scheduler"];
            foreach (var manager in managers)
            {
                cluster.Kill(manager);
            }

            await Task.Delay(RestartDelay);
            foreach (var manager in managers)
            {
                cluster.Restart(manager);
            }
        });

    [SkippableFact]
    public Task The_dispatcher_leader_killed_while_a_service_starts_is_replaced_and_every_replica_runs_once() =>
        RunAsync("kill -9 dispatcher leader (3 replicas)", async cluster =>
        {
            var leader = await LeaderAsync(cluster);
            cluster.Kill(leader);
            output.WriteLine($"killed the leader {leader}");
            await Task.Delay(RestartDelay);
            cluster.Restart(leader);
        }, dispatchers: 3);

    [SkippableFact]
    public Task The_dispatcher_leader_frozen_while_a_service_starts_and_thawed_leaves_every_replica_running_once() =>
        RunAsync($"SIGSTOP dispatcher leader {Freeze.TotalSeconds:0} s (3 replicas)", async cluster =>
        {
            var leader = await LeaderAsync(cluster);
            cluster.Signal(leader, stop: true);
            output.WriteLine($"froze the leader {leader}");
            try
            {
                await Task.Delay(Freeze);
            }
            finally
            {
                cluster.Signal(leader, stop: false);
            }
        }, dispatchers: 3);

    [SkippableFact]
    public Task A_worker_killed_while_a_service_starts_is_restarted_and_every_replica_runs_once() =>
        RunAsync("kill -9 worker", async cluster =>
        {
            cluster.Kill("worker-1");
            await Task.Delay(RestartDelay);
            cluster.Restart("worker-1");
        }, strikeWhen: FirstTaskProcessOf("worker-1"));

    /// <summary>
    /// Longer than the heartbeat timeout: the node is declared down and its tasks run elsewhere; when the
    /// worker wakes up it must not keep running them as well.
    /// </summary>
    [SkippableFact]
    public Task A_worker_frozen_past_its_heartbeat_timeout_and_thawed_leaves_every_replica_running_once() =>
        RunAsync($"SIGSTOP worker {(4 * HeartbeatSeconds) + 2} s (past the heartbeat timeout)", async cluster =>
        {
            cluster.Signal("worker-1", stop: true);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds((4 * HeartbeatSeconds) + 2));
            }
            finally
            {
                cluster.Signal("worker-1", stop: false);
            }
        }, strikeWhen: FirstTaskProcessOf("worker-1"));

    /// <summary>
    /// The broker stops as soon as the service is created, so that every hop of its tasks through the bus
    /// (relay, orchestrator, allocator, scheduler, dispatcher) comes during or after the outage.
    /// </summary>
    [SkippableFact]
    public async Task RabbitMQ_stopped_while_a_service_starts_and_started_again_leaves_every_replica_running_once()
    {
        PrivateRabbitMq? broker = null;
        await RunAsync($"RabbitMQ stopped {Outage.TotalSeconds:0} s", async _ =>
        {
            await broker!.StopAsync();
            try
            {
                await Task.Delay(Outage);
            }
            finally
            {
                await broker.StartAgainAsync();
            }
        }, strikeWhen: (_, _) => true, backend: async () =>
        {
            Skip.If(PrivateRabbitMq.MissingReason is not null, PrivateRabbitMq.MissingReason);
            var isolated = await IsolatedCluster.CreateAsync();
            try
            {
                broker = await PrivateRabbitMq.StartAsync();
            }
            catch
            {
                await isolated.DisposeAsync();
                throw;
            }

            return new ClusterBackend(isolated.PostgresConnection, broker.Uri, isolated.Schema, async () =>
            {
                await broker.DisposeAsync();
                await isolated.DisposeAsync();
            });
        });
    }

    [SkippableFact]
    public async Task PostgreSQL_stopped_while_a_service_starts_and_started_again_leaves_every_replica_running_once()
    {
        PrivatePostgres? database = null;
        await RunAsync($"PostgreSQL stopped {Outage.TotalSeconds:0} s", async _ =>
        {
            await database!.StopAsync();
            try
            {
                await Task.Delay(Outage);
            }
            finally
            {
                await database.StartAgainAsync();
            }
        }, backend: async () =>
        {
            Skip.If(PrivatePostgres.MissingReason is not null, PrivatePostgres.MissingReason);
            var isolated = await IsolatedCluster.CreateAsync();
            try
            {
                database = await PrivatePostgres.StartAsync();
            }
            catch
            {
                await isolated.DisposeAsync();
                throw;
            }

            return new ClusterBackend(database.ConnectionString, isolated.RabbitMqUri, isolated.Schema, async () =>
            {
                await database.DisposeAsync();
                await isolated.DisposeAsync();
            });
        });
    }

    /// <summary>
    /// Starts a cluster, creates the service, injects the fault once its first task exists, then checks
    /// every invariant (all of them, so one run shows everything a fault breaks) and records the outcome.
    /// </summary>
    /// <remarks>
    /// <paramref name="strikeWhen"/>: when the fault strikes, given the service's tasks; by default as soon
    /// as its first task exists. A service's tasks usually start together, in one batch, so faults of a
    /// worker strike as soon as that worker has started its first task process (seen on /proc), while the
    /// others are still being started and before the control plane has heard of any of them running.
    /// </remarks>
    private async Task RunAsync(string fault, Func<RunningCluster, Task> inject, int dispatchers = 1, Func<Task<ClusterBackend>>? backend = null, Func<RunningCluster, List<TaskRow>, bool>? strikeWhen = null)
    {
        var total = Stopwatch.StartNew();
        await using var cluster = await RunningCluster.StartAsync(heartbeatSeconds: HeartbeatSeconds, dispatchers: dispatchers,
            backend: backend is null ? null : await backend());
        output.WriteLine($"[{total.Elapsed.TotalSeconds:F0} s] cluster started");
        var violations = new List<string>();
        var runningAtFault = 0;
        TimeSpan? converged = null;
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), TimeSpan.FromSeconds(60), "2 ready nodes");
            var (status, body) = await cluster.PostAsync("/api/services", new { name = Service, replicas = Replicas, command = ChaosInvariants.TaskCommand });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create {Service}: {status} {body}");

            strikeWhen ??= (_, tasks) => tasks.Count > 0;
            var first = (await Eventually.WaitAsync(() => ChaosInvariants.TryTasksAsync(cluster, Service), t => t is not null && strikeWhen(cluster, t),
                TimeSpan.FromSeconds(60), "the moment to strike"))!;
            runningAtFault = first.Count(t => t.Running);
            var clock = Stopwatch.StartNew();
            await inject(cluster);
            output.WriteLine($"[{total.Elapsed.TotalSeconds:F0} s] {fault}: injected with {first.Count} tasks, {runningAtFault}/{Replicas} running; over after {clock.Elapsed.TotalSeconds:F1} s");

            converged = await WaitConvergedAsync(cluster, clock, violations);
            var tasks = await WaitProcessesMatchAsync(cluster, violations, converged is not null);
            violations.AddRange((await ChaosInvariants.BackwardStatesAsync(cluster)).Take(10));
            await WaitNodesBackAsync(cluster, violations);
            if (tasks is not null)
            {
                output.WriteLine($"after the fault: {ChaosInvariants.Describe(tasks)}; {tasks.Select(t => t.Attempt).DefaultIfEmpty().Max()} attempts at most on a slot");
            }

            output.WriteLine($"[{total.Elapsed.TotalSeconds:F0} s] invariants checked");
            await RemoveAsync(cluster, violations);
            output.WriteLine($"[{total.Elapsed.TotalSeconds:F0} s] service removed");
        }
        catch (Exception ex) when (ex is not SkipException)
        {
            violations.Add($"{ex.GetType().Name}: {ex.Message}");
        }

        var outcome = new ChaosOutcome(fault, Replicas, runningAtFault, converged, violations);
        output.WriteLine(await ConvergeTable.RecordAsync(outcome));
        output.WriteLine($"(table in {ConvergeTable.FileFor(Replicas)})");
        if (!outcome.Passed)
        {
            await KeepLogsAsync(cluster, fault);
            Assert.Fail($"{fault}: {string.Join("\n", violations)}");
        }
    }

    /// <summary>Waits for every replica to run once; the converge time is counted from the fault's start.</summary>
    private async Task<TimeSpan?> WaitConvergedAsync(RunningCluster cluster, Stopwatch clock, List<string> violations)
    {
        var deadline = clock.Elapsed + ConvergeTimeout;
        List<TaskRow>? tasks = null;
        while (clock.Elapsed < deadline)
        {
            tasks = await ChaosInvariants.TryTasksAsync(cluster, Service);
            if (ChaosInvariants.Converged(tasks, Replicas))
            {
                var converged = clock.Elapsed;
                output.WriteLine($"every replica running {converged.TotalSeconds:F1} s after the fault");
                return converged;
            }

            await Task.Delay(250);
        }

        violations.Add($"not every replica running {ConvergeTimeout.TotalSeconds:0} s after the fault ended: {ChaosInvariants.Describe(tasks)}");
        return null;
    }

    /// <summary>Waits (bounded) for exactly one process per running task, still with every replica running.</summary>
    private async Task<List<TaskRow>?> WaitProcessesMatchAsync(RunningCluster cluster, List<string> violations, bool converged)
    {
        var deadline = DateTime.UtcNow + ProcessSettle;
        List<TaskRow>? tasks = null;
        List<string> found = [];
        while (DateTime.UtcNow < deadline)
        {
            tasks = await ChaosInvariants.TryTasksAsync(cluster, Service);
            found = tasks is null ? ["the control API did not answer"] : ChaosInvariants.ProcessViolations(cluster, tasks);
            if (found.Count == 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        violations.AddRange(found);
        if (converged && tasks is not null && !ChaosInvariants.Converged(tasks, Replicas))
        {
            violations.Add($"replicas stopped running after converging: {ChaosInvariants.Describe(tasks)}");
        }

        return tasks;
    }

    /// <summary>Both workers ready again, as the nodes they were: a restarted worker does not join as a third node.</summary>
    private async Task WaitNodesBackAsync(RunningCluster cluster, List<string> violations)
    {
        var deadline = DateTime.UtcNow + ProcessSettle;
        List<(string Hostname, string Status)>? nodes = null;
        while (DateTime.UtcNow < deadline)
        {
            nodes = await ChaosInvariants.TryNodesAsync(cluster);
            if (nodes is { Count: 2 } && nodes.All(n => n.Status == "READY") && nodes.Select(n => n.Hostname).Distinct().Count() == 2)
            {
                return;
            }

            await Task.Delay(500);
        }

        violations.Add($"nodes after the fault: {(nodes is null ? "the control API did not answer" : string.Join(", ", nodes.Select(n => $"{n.Hostname} {n.Status}")))} (the 2 workers, ready, expected)");
    }

    /// <summary><c>service rm</c>, then no task process of the run left and no task running.</summary>
    private async Task RemoveAsync(RunningCluster cluster, List<string> violations)
    {
        var response = await Eventually.WaitAsync(async () =>
        {
            try
            {
                using var r = await cluster.Api.DeleteAsync($"/api/services/{Service}");
                return (Status: r.StatusCode, Body: await r.Content.ReadAsStringAsync());
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return (Status: HttpStatusCode.ServiceUnavailable, Body: ex.Message);
            }
        }, r => r.Status != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(60), "service rm answered");
        if ((int)response.Status is < 200 or >= 300)
        {
            violations.Add($"service rm: {(int)response.Status} {response.Body}");
            return;
        }

        var deadline = DateTime.UtcNow + RemoveTimeout;
        List<MarkedProcess> left;
        List<TaskRow>? tasks;
        do
        {
            await Task.Delay(500);
            left = cluster.MarkedProcesses().Where(p => p.TaskId is not null || ChaosInvariants.IsTaskCommand(p)).ToList();
            tasks = await ChaosInvariants.TryTasksAsync(cluster, Service);
        }
        while ((left.Count > 0 || tasks?.Any(t => t.State == "RUNNING") == true) && DateTime.UtcNow < deadline);

        if (left.Count > 0)
        {
            violations.Add($"{left.Count} task processes left {RemoveTimeout.TotalSeconds:0} s after service rm: "
                + string.Join(", ", left.Take(5).Select(p => $"pid {p.Pid} task {p.TaskId ?? "?"} '{p.CommandLine}'")));
        }

        if (tasks?.Where(t => t.State == "RUNNING").ToList() is { Count: > 0 } running)
        {
            violations.Add($"{running.Count} tasks still RUNNING {RemoveTimeout.TotalSeconds:0} s after service rm: {ChaosInvariants.Describe(tasks)}");
        }
    }

    private async Task KeepLogsAsync(RunningCluster cluster, string fault)
    {
        Directory.CreateDirectory(ConvergeTable.Directory);
        var name = new string([.. fault.Select(c => char.IsLetterOrDigit(c) ? c : '-')]);
        var file = Path.Combine(ConvergeTable.Directory, $"{name}-{cluster.RunId[..8]}.log");
        await File.WriteAllTextAsync(file, cluster.Logs);
        var lines = cluster.Logs.Split('\n');
        output.WriteLine($"every process's output: {file}; the last 150 lines:");
        output.WriteLine(string.Join('\n', lines.TakeLast(150)));
    }

    /// <summary>
    /// Once the worker has started a task process: a child of its own running the task command, or a
    /// process marked with a task the control API places on that worker (should the worker detach them).
    /// </summary>
    private static Func<RunningCluster, List<TaskRow>, bool> FirstTaskProcessOf(string worker) =>
        (cluster, tasks) => cluster.MarkedProcesses().Any(p =>
            (p.ParentPid == cluster.ProcessId(worker) && ChaosInvariants.IsTaskCommand(p))
            || (p.TaskId is not null && tasks.Any(t => t.Node == worker && string.Equals(t.Id, p.TaskId, StringComparison.OrdinalIgnoreCase))));

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>The dispatcher replica that leads and serves the agents.</summary>
    private static async Task<string> LeaderAsync(RunningCluster cluster) =>
        (await Eventually.WaitAsync(async () =>
        {
            foreach (var name in cluster.Dispatchers)
            {
                try
                {
                    using var doc = JsonDocument.Parse(await Http.GetStringAsync($"{cluster.DispatcherHealthUrl(name)}/raft/status"));
                    if (doc.RootElement.GetProperty("serving").GetBoolean())
                    {
                        return name;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
                {
                }
            }

            return null;
        }, n => n is not null, TimeSpan.FromSeconds(30), "a serving dispatcher leader"))!;

    private static int Knob(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
}
