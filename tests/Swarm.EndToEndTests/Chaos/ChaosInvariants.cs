using System.Globalization;
using System.Text.Json;
using Npgsql;
using Swarm.Contracts.Model;
using Swarm.EndToEndTests.Infrastructure;

namespace Swarm.EndToEndTests.Chaos;

/// <summary>
/// What must hold of a replicated service once a fault is over, read from three independent places:
/// the control API (tasks), the operating system (/proc) and the cluster log (task events).
/// Each check answers the violations it found, in words that carry the evidence.
/// </summary>
public static class ChaosInvariants
{
    /// <summary>The task command: recognisable on /proc by its arguments.</summary>
    public static readonly string[] TaskCommand = ["sleep", "3600"];

    /// <summary>A short-lived client of the control API's socket with a short timeout (the API may be down).</summary>
    private static HttpClient Http(RunningCluster cluster) => Swarm.Testing.UnixSocketHttp.Create(cluster.ApiSocket, TimeSpan.FromSeconds(5));

    /// <summary>The service's tasks, or null while the control API does not answer (down, or its database is).</summary>
    public static async Task<List<TaskRow>?> TryTasksAsync(RunningCluster cluster, string service)
    {
        try
        {
            using var http = Http(cluster);
            using var response = await http.GetAsync($"api/services/{service}/tasks");
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return ApiRows.Tasks(json.RootElement);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The nodes (hostname, upper-cased status), or null while the control API does not answer.</summary>
    public static async Task<List<(string Hostname, string Status)>?> TryNodesAsync(RunningCluster cluster)
    {
        try
        {
            using var http = Http(cluster);
            using var response = await http.GetAsync("api/nodes");
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return [.. json.RootElement.EnumerateArray().Select(n => (n.GetProperty("hostname").GetString()!, n.GetProperty("status").GetString()!.ToUpperInvariant()))];
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Every replica running, one running task per slot, no second task of a slot still running.</summary>
    public static bool Converged(List<TaskRow>? tasks, int replicas) =>
        tasks is not null
        && tasks.Count(t => t.Running) == replicas
        && tasks.Where(t => t.Running).Select(t => t.Slot).Distinct().Count() == replicas
        && tasks.Where(t => t.State == "RUNNING").GroupBy(t => t.Slot).All(g => g.Count() == 1);

    public static string Describe(List<TaskRow>? tasks) =>
        tasks is null
            ? "the control API did not answer"
            : $"{tasks.Count(t => t.Running)} running of {tasks.Count} tasks; by state/desired: "
              + string.Join(", ", tasks.GroupBy(t => $"{t.State}/{t.DesiredState}").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))
              + (tasks.Where(t => t.State == "RUNNING").GroupBy(t => t.Slot).Where(g => g.Count() > 1).Select(g => g.Key).ToList() is { Count: > 0 } doubled
                  ? $"; slots with two running tasks: {string.Join(",", doubled)}" : "");

    /// <summary>A process of the task command (<see cref="TaskCommand"/>), seen on /proc.</summary>
    public static bool IsTaskCommand(MarkedProcess p) =>
        p.CommandLine.Split(' ') is [var program, var arg, ..] && Path.GetFileName(program) == TaskCommand[0] && arg == TaskCommand[1];

    /// <summary>
    /// Exactly one operating-system process per running task, and none for any other task. Task processes
    /// are counted on /proc: session leaders carrying the run marker and <c>SWARM_TASK_ID</c>; when no
    /// worker marks its processes that way, the workers' process records say which task a process runs.
    /// Either way the processes running the task command must number the running tasks.
    /// </summary>
    public static List<string> ProcessViolations(RunningCluster cluster, List<TaskRow> tasks)
    {
        var violations = new List<string>();
        var running = tasks.Where(t => t.State == "RUNNING").Select(t => t.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var stateOf = tasks.ToDictionary(t => t.Id, t => $"{t.State}/{t.DesiredState} on {t.Node}", StringComparer.OrdinalIgnoreCase);
        var marked = cluster.MarkedProcesses();
        var commands = marked.Where(IsTaskCommand).ToList();
        if (commands.Count != running.Count)
        {
            violations.Add($"{commands.Count} processes run the task command for {running.Count} running tasks (pids {string.Join(",", commands.Select(p => p.Pid).Order().Take(40))}{(commands.Count > 40 ? ",…" : "")})");
        }

        Dictionary<string, List<int>> byTask;
        string source;
        if (marked.Any(p => p.TaskId is not null))
        {
            source = "session leaders with SWARM_TASK_ID";
            byTask = marked.Where(p => p.TaskId is not null && p.SessionLeader)
                .GroupBy(p => p.TaskId!, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Select(p => p.Pid).ToList(), StringComparer.OrdinalIgnoreCase);
        }
        else
        {
            source = "worker process records (no process carries SWARM_TASK_ID)";
            byTask = cluster.LiveTaskProcesses().ToDictionary(p => p.Key, p => new List<int> { p.Value }, StringComparer.OrdinalIgnoreCase);
        }

        foreach (var (task, pids) in byTask.Where(x => x.Value.Count > 1))
        {
            violations.Add($"task {task} ({stateOf.GetValueOrDefault(task, "unknown to the API")}) runs in {pids.Count} processes ({string.Join(",", pids)}) by {source}");
        }

        var missing = running.Where(id => !byTask.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            violations.Add($"{missing.Count} running tasks have no process by {source}: {string.Join(", ", missing.Take(5))}");
        }

        var strays = byTask.Where(x => !running.Contains(x.Key)).ToList();
        if (strays.Count > 0)
        {
            violations.Add($"{strays.Count} processes of tasks that are not running, by {source}: "
                + string.Join(", ", strays.Take(5).Select(x => $"{x.Key} ({stateOf.GetValueOrDefault(x.Key, "unknown to the API")}) pid {string.Join(",", x.Value)}")));
        }

        return violations;
    }

    /// <summary>
    /// Tasks whose events in the log move their state backwards (created → allocated → assigned → the
    /// states the agent reports, in <see cref="TaskState"/> order), each with the offending events.
    /// </summary>
    public static async Task<List<string>> BackwardStatesAsync(RunningCluster cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            select stream_id::text, seq_id, type, data from {cluster.Schema}.mt_events
            where type in ('task_created', 'task_allocated', 'task_assigned', 'task_status_changed')
            order by seq_id
            """, connection);
        var last = new Dictionary<string, (TaskState State, long Seq)>(StringComparer.Ordinal);
        var violations = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var task = reader.GetString(0);
            var seq = reader.GetInt64(1);
            using var data = JsonDocument.Parse(reader.GetString(3));
            var states = reader.GetString(2) switch
            {
                "task_created" => [TaskState.New],
                "task_allocated" => [TaskState.Pending],
                "task_assigned" => [TaskState.Assigned],
                _ => StatusStates(data.RootElement),
            };
            foreach (var state in states)
            {
                if (last.TryGetValue(task, out var before) && state < before.State)
                {
                    violations.Add(string.Create(CultureInfo.InvariantCulture, $"task {task}: {state} (event #{seq}, {reader.GetString(2)}) after {before.State} (event #{before.Seq})"));
                }
                else
                {
                    last[task] = (state, seq);
                }
            }
        }

        return violations;
    }

    /// <summary>The states one status event records: those it passed through, then the newest.</summary>
    private static List<TaskState> StatusStates(JsonElement data)
    {
        var states = new List<TaskState>();
        if (Property(data, "passed") is { ValueKind: JsonValueKind.Array } passed)
        {
            states.AddRange(passed.EnumerateArray().Select(step => Parse(Property(step, "state"))));
        }

        states.Add(Parse(Property(data, "state")));
        return states;
    }

    private static JsonElement? Property(JsonElement e, string camel) =>
        e.TryGetProperty(camel, out var v) || e.TryGetProperty(char.ToUpperInvariant(camel[0]) + camel[1..], out v) ? v : null;

    private static TaskState Parse(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.Number } n => (TaskState)n.GetInt32(),
        { ValueKind: JsonValueKind.String } s => Enum.Parse<TaskState>(s.GetString()!, ignoreCase: true),
        _ => throw new InvalidOperationException($"a task status event without a state: {value}"),
    };
}
