using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// Three dispatcher replicas electing a leader with Raft: the leader dies (kill -9) or freezes
/// (SIGSTOP) under a running service, and the cluster carries on without restarting a task.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private const int HeartbeatSeconds = 2;

    /// <summary>Tasks of the service that runs through every failover, over two workers.</summary>
    private const int Replicas = 20;

    private sealed record ReplicaStatus(string Name, string Role, long Term, bool Serving, int Sessions);

    [SkippableFact]
    public async Task Killing_the_leader_elects_a_new_one_that_serves_the_agents_without_restarting_tasks()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("SWARM_FAILOVER_ROUNDS"), out var r) && r > 0 ? r : 10;
        await using var cluster = await RunningCluster.StartAsync(heartbeatSeconds: HeartbeatSeconds, dispatchers: 3);
        try
        {
            var before = await StartServiceAsync(cluster, "web", Replicas, spread: true);
            var processes = cluster.LiveTaskProcesses();

            var measured = new List<TimeSpan>();
            for (var round = 1; round <= rounds; round++)
            {
                var leader = await WaitLeaderServingAsync(cluster, except: null, sessions: 2);
                var clock = Stopwatch.StartNew();
                cluster.Kill(leader.Name);
                var next = await WaitLeaderServingAsync(cluster, except: leader.Name, sessions: 2);
                clock.Stop();
                measured.Add(clock.Elapsed);
                output.WriteLine($"failover {round}: {leader.Name} (term {leader.Term}) killed -> {next.Name} serving 2 sessions under term {next.Term} after {clock.Elapsed.TotalMilliseconds:F0} ms");
                Assert.True(next.Term > leader.Term, $"new term {next.Term} is not newer than {leader.Term}");

                cluster.RestartDispatcher(leader.Name);
                await Eventually.WaitAsync(() => StatusAsync(cluster, leader.Name), s => s is { Role: "follower" }, Timeout, $"{leader.Name} back as a follower");
                Assert.All((await cluster.NodeStatusAsync()).Values, s => Assert.Equal("READY", s));
            }

            var sorted = measured.Order().ToList();
            output.WriteLine($"leader loss -> new leader serving, {sorted.Count} failovers: median {Median(sorted).TotalMilliseconds:F0} ms, max {sorted[^1].TotalMilliseconds:F0} ms");

            // well past the heartbeat timeout: still no node down, the same tasks running, none restarted
            await Task.Delay(TimeSpan.FromSeconds(4 * HeartbeatSeconds));
            await AssertUndisturbedAsync(cluster, "web", before, processes);

            // the new leader takes new work
            await StartServiceAsync(cluster, "after", 2);

            var dispatchers = await cluster.GetAsync("/api/cluster/dispatchers");
            output.WriteLine(dispatchers.ToString());
            var replicas = dispatchers.GetProperty("replicas").EnumerateArray().ToList();
            Assert.Equal(3, replicas.Count);
            Assert.All(replicas, x => Assert.True(x.GetProperty("reachable").GetBoolean()));
            Assert.Single(replicas, x => x.GetProperty("role").GetString() == "leader");
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }

    [SkippableFact]
    public async Task Losing_two_of_three_replicas_leaves_no_leader_but_tasks_running_and_nodes_up_until_one_returns()
    {
        await using var cluster = await RunningCluster.StartAsync(heartbeatSeconds: HeartbeatSeconds, dispatchers: 3);
        try
        {
            var before = await StartServiceAsync(cluster, "web", Replicas, spread: true);
            var processes = cluster.LiveTaskProcesses();
            var leader = await WaitLeaderServingAsync(cluster, except: null, sessions: 2);
            var follower = cluster.Dispatchers.First(n => n != leader.Name);
            var survivor = cluster.Dispatchers.Single(n => n != leader.Name && n != follower);
            var recorded = (await cluster.GetAsync("/api/cluster/dispatchers")).GetProperty("recordedTerm").GetInt64();

            cluster.Kill(leader.Name);
            cluster.Kill(follower);
            output.WriteLine($"{leader.Name} (leader, term {leader.Term}) and {follower} killed; {survivor} alone");

            // a minority elects nobody: for longer than the post-failover grace (6 periods) and the
            // heartbeat timeout (3 periods), the survivor never serves, no term is recorded, no node is
            // marked down, and the agents keep their task processes
            var outage = Stopwatch.StartNew();
            var roles = new HashSet<string>(StringComparer.Ordinal);
            while (outage.Elapsed < TimeSpan.FromSeconds(9 * HeartbeatSeconds))
            {
                var status = await StatusAsync(cluster, survivor);
                Assert.True(status is not null, $"{survivor} stopped answering /raft/status");
                Assert.False(status.Serving, $"{survivor} serves alone under term {status.Term}");
                Assert.Equal(0, status.Sessions);
                roles.Add(status.Role);
                await Task.Delay(250);
            }

            var view = await cluster.GetAsync("/api/cluster/dispatchers");
            output.WriteLine($"after {outage.Elapsed.TotalSeconds:F0} s without a leader ({survivor} was {string.Join("/", roles)}): {view}");
            Assert.DoesNotContain(view.GetProperty("replicas").EnumerateArray(), x => x.GetProperty("role").GetString() == "leader");
            Assert.Equal(recorded, view.GetProperty("recordedTerm").GetInt64());
            await AssertUndisturbedAsync(cluster, "web", before, processes);

            // one replica back: a majority again, which elects a leader the agents find on their own
            var clock = Stopwatch.StartNew();
            cluster.RestartDispatcher(leader.Name);
            var next = await WaitLeaderServingAsync(cluster, except: null, sessions: 2);
            output.WriteLine($"{leader.Name} restarted -> {next.Name} serving 2 sessions under term {next.Term} after {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.True(next.Term > leader.Term, $"new term {next.Term} is not newer than {leader.Term}");

            // past the new leader's grace for nodes: still nothing restarted, nothing down, and new work runs
            await Task.Delay(TimeSpan.FromSeconds(4 * HeartbeatSeconds));
            await AssertUndisturbedAsync(cluster, "web", before, processes);
            await StartServiceAsync(cluster, "after", 2);
            Assert.Equal(0, await CountNodeDownEventsAsync(cluster));
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }

    [SkippableFact]
    public async Task A_frozen_leader_that_wakes_up_writes_nothing_under_its_old_term()
    {
        await using var cluster = await RunningCluster.StartAsync(heartbeatSeconds: HeartbeatSeconds, dispatchers: 3);
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "web", replicas = 4, command = new[] { "sleep", "3600" } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");
            await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(x => x.Running) == 4, Timeout, "4 running tasks");

            var old = await WaitLeaderServingAsync(cluster, except: null, sessions: 2);
            var clock = Stopwatch.StartNew();
            cluster.Signal(old.Name, stop: true);
            var next = await WaitLeaderServingAsync(cluster, except: old.Name, sessions: 2);
            output.WriteLine($"{old.Name} (term {old.Term}) frozen; {next.Name} leads under term {next.Term}, serving both agents after {clock.Elapsed.TotalMilliseconds:F0} ms");

            // votes asked of the frozen replica fail in time for a candidate to win: no run of lost
            // elections until its accept queue fills up (that took five terms)
            Assert.True(next.Term - old.Term < 5, $"{next.Term - old.Term} terms to elect a leader while {old.Name} is frozen");

            // the frozen leader's heartbeat deadlines all pass while it sleeps; new work goes through the new leader
            await Task.Delay(TimeSpan.FromSeconds(4 * HeartbeatSeconds));
            (status, body) = await cluster.PostAsync("/api/services", new { name = "during", replicas = 2, command = new[] { "sleep", "3600" } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");
            cluster.Signal(old.Name, stop: false);
            await Eventually.WaitAsync(() => cluster.TasksAsync("during"), t => t.Count(x => x.Running) == 2, Timeout, "2 running tasks of the new service");
            await Eventually.WaitAsync(() => StatusAsync(cluster, old.Name), s => s is { Role: "follower" }, Timeout, $"{old.Name} a follower again");
            await Task.Delay(TimeSpan.FromSeconds(2 * HeartbeatSeconds));

            // on the log: no dispatcher write of a term is committed after a newer term was recorded
            var late = await LateWritesAsync(cluster);
            Assert.True(late.Count == 0, "writes from an old term after a newer one was recorded: " + string.Join("; ", late));
            Assert.Equal(0, await CountNodeDownEventsAsync(cluster));
            Assert.All((await cluster.NodeStatusAsync()).Values, s => Assert.Equal("READY", s));
            Assert.All(await cluster.TasksAsync("web"), t => Assert.True(t.Running, $"task {t.Id} is {t.State}"));
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }

    /// <summary>
    /// Creates a replicated service and waits for every replica to run; <paramref name="spread"/>: on
    /// both workers, each in a process of its own.
    /// </summary>
    private static async Task<List<TaskRow>> StartServiceAsync(RunningCluster cluster, string name, int replicas, bool spread = false)
    {
        await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
        var (status, body) = await cluster.PostAsync("/api/services", new { name, replicas, command = new[] { "sleep", "3600" } });
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create {name}: {status} {body}");
        var tasks = await Eventually.WaitAsync(() => cluster.TasksAsync(name), t => t.Count(x => x.Running) == replicas, Timeout, $"{replicas} running tasks of {name}");
        Assert.Equal(replicas, tasks.Count);
        if (spread)
        {
            Assert.Equal(["worker-1", "worker-2"], tasks.Select(t => t.Node).Distinct().Order());
            var processes = await Eventually.WaitAsync(() => Task.FromResult(cluster.LiveTaskProcesses()), p => p.Count == replicas, Timeout, $"{replicas} task processes");
            Assert.Equal(tasks.Select(t => t.Id).Order(), processes.Keys.Order());
        }

        return tasks;
    }

    /// <summary>
    /// The service still runs exactly the tasks it ran before, in the same processes (none restarted or
    /// duplicated), and no node is, or ever was, marked down.
    /// </summary>
    private static async Task AssertUndisturbedAsync(RunningCluster cluster, string service, List<TaskRow> before, Dictionary<string, int> processes)
    {
        Assert.All((await cluster.NodeStatusAsync()).Values, s => Assert.Equal("READY", s));
        Assert.Equal(0, await CountNodeDownEventsAsync(cluster));
        var after = await cluster.TasksAsync(service);
        Assert.Equal(before.Select(t => (t.Id, t.Slot, t.Attempt, t.Node)).Order(), after.Select(t => (t.Id, t.Slot, t.Attempt, t.Node)).Order());
        Assert.All(after, t => Assert.True(t.Running, $"task {t.Id} is {t.State}/{t.DesiredState}"));
        var live = cluster.LiveTaskProcesses().Where(p => processes.ContainsKey(p.Key)).ToDictionary();
        Assert.Equal(processes.OrderBy(p => p.Key, StringComparer.Ordinal), live.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    private static TimeSpan Median(List<TimeSpan> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    private static async Task<ReplicaStatus> WaitLeaderServingAsync(RunningCluster cluster, string? except, int sessions) =>
        await Eventually.WaitAsync(async () =>
        {
            foreach (var name in cluster.Dispatchers.Where(n => n != except))
            {
                if (await StatusAsync(cluster, name) is { Serving: true } s && s.Sessions >= sessions)
                {
                    return s;
                }
            }

            return null;
        }, s => s is not null, Timeout, "a dispatcher leader holding every agent session") ?? throw new InvalidOperationException();

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private static async Task<ReplicaStatus?> StatusAsync(RunningCluster cluster, string name)
    {
        try
        {
            using var doc = JsonDocument.Parse(await Http.GetStringAsync($"{cluster.DispatcherHealthUrl(name)}/raft/status"));
            var root = doc.RootElement;
            return new ReplicaStatus(name, root.GetProperty("role").GetString()!, root.GetProperty("term").GetInt64(),
                root.GetProperty("serving").GetBoolean(), root.GetProperty("sessions").GetInt32());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static Task<long> CountNodeDownEventsAsync(RunningCluster cluster) =>
        cluster.CountEventsAsync("type = 'node_status_changed' and data->>'status' in ('Down', 'down', 'DOWN')");

    /// <summary>Dispatcher writes committed under a term older than one recorded before them in the log.</summary>
    private static async Task<List<string>> LateWritesAsync(RunningCluster cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            select e.seq_id, e.type, (e.headers->>'dispatcher-term')::bigint as term, t.seq_id, (t.data->>'term')::bigint
            from {cluster.Schema}.mt_events e
            join {cluster.Schema}.mt_events t on t.type = 'dispatcher_term_started'
                and (t.data->>'term')::bigint > (e.headers->>'dispatcher-term')::bigint and t.seq_id < e.seq_id
            where e.headers ? 'dispatcher-term'
            """, connection);
        var late = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            late.Add(string.Create(CultureInfo.InvariantCulture, $"#{reader.GetInt64(0)} {reader.GetString(1)} (term {reader.GetInt64(2)}) after #{reader.GetInt64(3)} term {reader.GetInt64(4)}"));
        }

        return late;
    }
}
