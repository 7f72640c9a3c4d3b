using System.Text.Json;

namespace Swarm.EndToEndTests.Infrastructure;

/// <summary>A task as the control API lists it, with states upper-cased for comparison.</summary>
public sealed record TaskRow(string Id, int Slot, int Attempt, string? Node, string State, string DesiredState, string? Error)
{
    public bool Running => State == "RUNNING" && DesiredState == "RUNNING";
}

/// <summary>Reads of the control API the end-to-end tests share.</summary>
public static class ApiRows
{
    public static async Task<List<TaskRow>> TasksAsync(this RunningCluster cluster, string service)
    {
        var json = await cluster.GetAsync($"/api/services/{service}/tasks");
        return Tasks(json);
    }

    /// <summary>The rows of a task list answer of the control API.</summary>
    public static List<TaskRow> Tasks(JsonElement json) =>
        json.EnumerateArray().Select(t => new TaskRow(
            t.GetProperty("id").GetString()!,
            t.GetProperty("slot").GetInt32(),
            t.GetProperty("attempt").GetInt32(),
            Text(t, "node"),
            t.GetProperty("state").GetString()!.ToUpperInvariant(),
            t.GetProperty("desiredState").GetString()!.ToUpperInvariant(),
            Text(t, "error"))).ToList();

    /// <summary>Node status (upper-cased) by hostname.</summary>
    public static async Task<Dictionary<string, string>> NodeStatusAsync(this RunningCluster cluster)
    {
        var json = await cluster.GetAsync("/api/nodes");
        return json.EnumerateArray().ToDictionary(n => n.GetProperty("hostname").GetString()!, n => n.GetProperty("status").GetString()!.ToUpperInvariant());
    }

    private static string? Text(JsonElement e, string name) =>
        e.GetProperty(name).ValueKind == JsonValueKind.String ? e.GetProperty(name).GetString() : null;
}
