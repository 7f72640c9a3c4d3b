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

    private sealed record ReplicaStatus(string Name, string Role, long Term, bool Serving, int Sessions);

    [SkippableFact]
    public async Task Killing_the_leader_elects_a_new_one_that_serves_the_agents_without_restarting_tasks()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("SWARM_FAILOVER_ROUNDS"), out var r) && r > 0 ? r : 3;
        await using var cluster = await RunningCluster.StartAsync(heartbeatSeconds: HeartbeatSeconds, dispatchers: 3);
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "web", replicas = 6, command = new[] { "sleep", "3600" } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");
            var before = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(x => x.Running) == 6, Timeout, "6 running tasks");

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
            output.WriteLine($"leader loss -> new leader serving, {sorted.Count} failovers: median {sorted[sorted.Count / 2].TotalMilliseconds:F0} ms, max {sorted[^1].TotalMilliseconds:F0} ms");

            // well past the heartbeat timeout: still no node down, the same six tasks running, none restarted
            await Task.Delay(TimeSpan.FromSeconds(4 * HeartbeatSeconds));
            Assert.All((await cluster.NodeStatusAsync()).Values, s => Assert.Equal("READY", s));
            var after = await cluster.TasksAsync("web");
            Assert.Equal(before.Select(t => t.Id).Order(), after.Select(t => t.Id).Order());
            Assert.All(after, t => Assert.True(t.Running, $"task {t.Id} is {t.State}/{t.DesiredState}"));
            Assert.Equal(before.Select(t => (t.Id, t.Attempt)).Order(), after.Select(t => (t.Id, t.Attempt)).Order());
            Assert.Equal(0, await CountNodeDownEventsAsync(cluster));

            // the new leader takes new work
            (status, body) = await cluster.PostAsync("/api/services", new { name = "after", replicas = 2, command = new[] { "sleep", "3600" } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create after failover: {status} {body}");
            await Eventually.WaitAsync(() => cluster.TasksAsync("after"), t => t.Count(x => x.Running) == 2, Timeout, "2 running tasks of the new service");

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
            cluster.Signal(old.Name, stop: true);
            var next = await WaitLeaderServingAsync(cluster, except: old.Name, sessions: 2);
            output.WriteLine($"{old.Name} (term {old.Term}) frozen; {next.Name} leads under term {next.Term}");

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

    private static async Task<long> CountNodeDownEventsAsync(RunningCluster cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select count(*) from {cluster.Schema}.mt_events where type = 'node_status_changed' and data->>'status' in ('Down', 'down', 'DOWN')", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

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
