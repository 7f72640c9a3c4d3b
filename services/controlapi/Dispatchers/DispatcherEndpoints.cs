using System.Text.Json;
using Marten;
using Swarm.Contracts.Events;
using Swarm.EventStore.Projections;

namespace Swarm.ControlApi.Dispatchers;

/// <summary>
/// <c>GET /api/cluster/dispatchers</c>: every dispatcher replica with its role (leader / follower /
/// candidate), term, leader and reachability, read from each replica's <c>/raft/status</c> on its
/// health endpoint (<c>ControlApi:DispatcherHealthUrls</c>, default the single replica on
/// <c>http://127.0.0.1:4244</c>), plus the newest leadership term the log recorded.
/// </summary>
public static class DispatcherEndpoints
{
    public const string HealthUrlsKey = "ControlApi:DispatcherHealthUrls";
    private static readonly string[] DefaultHealthUrls = ["http://127.0.0.1:4244"];
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    public static IEndpointRouteBuilder MapDispatcherEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster/dispatchers", ListAsync)
            .WithTags("cluster")
            .WithName("ListDispatchers")
            .WithSummary("The dispatcher replicas: role, term, leader and whether each is reachable")
            .Produces<DispatchersView>();
        return app;
    }

    /// <summary>The configured replica health URLs: a list, or one comma-separated value.</summary>
    public static IReadOnlyList<string> HealthUrls(IConfiguration configuration)
    {
        var section = configuration.GetSection(HealthUrlsKey);
        var urls = section.Value is { Length: > 0 } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToArray();
        return urls.Length > 0 ? urls : DefaultHealthUrls;
    }

    private static async Task<IResult> ListAsync(IConfiguration configuration, IQuerySession query, CancellationToken ct)
    {
        var replicas = await Task.WhenAll(HealthUrls(configuration).Select(url => ProbeAsync(url, ct)));
        var recorded = await query.LoadAsync<DispatcherLeadership>(DispatcherTermStarted.StreamId, ct);
        return Results.Ok(new DispatchersView(recorded?.Term ?? 0, recorded?.ReplicaId, replicas));
    }

    private static async Task<DispatcherReplicaView> ProbeAsync(string healthUrl, CancellationToken ct)
    {
        try
        {
            using var response = await Http.GetAsync($"{healthUrl.TrimEnd('/')}/raft/status", ct);
            if (!response.IsSuccessStatusCode)
            {
                return new DispatcherReplicaView(healthUrl, false, null, "unknown", 0, null, 0, $"HTTP {(int)response.StatusCode}");
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var root = body.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            long Number(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
            return new DispatcherReplicaView(healthUrl, true, Text("replicaId"), Text("role") ?? "unknown", Number("term"), Text("leader"), (int)Number("sessions"), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return new DispatcherReplicaView(healthUrl, false, null, "unreachable", 0, null, 0, ex.Message);
        }
    }
}

/// <summary>The replicas and the newest leadership term recorded in the log.</summary>
public sealed record DispatchersView(long RecordedTerm, string? RecordedLeader, IReadOnlyList<DispatcherReplicaView> Replicas);

/// <summary>One dispatcher replica as it describes itself.</summary>
public sealed record DispatcherReplicaView(string HealthUrl, bool Reachable, string? ReplicaId, string Role, long Term, string? Leader, int Sessions, string? Error);
