using System.Globalization;
using System.Net;
using Marten;
using Swarm.ControlApi.Services;
using Swarm.ControlApi.Tasks;
using Swarm.Domain.Tasks;

namespace Swarm.ControlApi.Logs;

/// <summary>
/// <c>GET /api/services/{name}/logs</c> and <c>GET /api/tasks/{id}/logs</c> (<c>follow</c>, <c>tail</c>):
/// task output as plain text lines prefixed with <c>service.slot@node | </c>, streamed from the
/// dispatcher's log broker (<c>Dispatcher:Address</c>, default https://127.0.0.1:4243, over mutual TLS). Following a
/// service also takes in its tasks that start later, until the client goes away or the service is removed.
/// </summary>
public static class LogEndpoints
{
    public const string DefaultDispatcherAddress = "https://127.0.0.1:4243";

    public static IEndpointRouteBuilder MapLogEndpoints(this IEndpointRouteBuilder app)
    {
        // one address, or every replica's (comma-separated): the leader is the one that does not answer 421
        var addresses = (app.ServiceProvider.GetRequiredService<IConfiguration>()["Dispatcher:Address"] is { Length: > 0 } configured
                ? configured
                : DefaultDispatcherAddress)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var dispatcher = app.ServiceProvider.GetRequiredService<DispatcherLogClient>();

        app.MapGet("/api/services/{name}/logs", async (string name, IQuerySession session, HttpContext http, CancellationToken ct, bool follow = false, int tail = 0) =>
        {
            var found = await ServiceQueries.FindAsync(session, name, ct);
            if (found.Error is { } error)
            {
                return error.ToResult();
            }

            var serviceId = found.Value!.Id;
            var tasks = await session.Query<SwarmTask>().Where(t => t.ServiceId == serviceId && t.NodeId != null).ToListAsync(ct);
            await RelayAsync(dispatcher, addresses, tasks.Select(t => t.Id), serviceId, follow, tail, http, ct);
            return Results.Empty;
        }).WithTags("services").WithName("ServiceLogs").WithSummary("The output of a service's tasks (text lines prefixed with service.slot@node)");

        app.MapGet("/api/tasks/{id}/logs", async (string id, IQuerySession session, HttpContext http, CancellationToken ct, bool follow = false, int tail = 0) =>
        {
            var found = await TaskQueries.FindAsync(session, id, ct);
            if (found.Error is { } error)
            {
                return error.ToResult();
            }

            await RelayAsync(dispatcher, addresses, [found.Value!.Id], null, follow, tail, http, ct);
            return Results.Empty;
        }).WithTags("tasks").WithName("TaskLogs").WithSummary("The output of one task (text lines prefixed with service.slot@node)");

        return app;
    }

    private static async Task RelayAsync(DispatcherLogClient dispatcher, IReadOnlyList<string> addresses, IEnumerable<Guid> taskIds, Guid? serviceId, bool follow, int tail, HttpContext http, CancellationToken ct)
    {
        var query = string.Join("&", taskIds.Select(id => "task=" + id)
            .Concat(serviceId is { } service ? ["service=" + service] : [])
            .Append("follow=" + (follow ? "true" : "false"))
            .Append("tail=" + Math.Max(0, tail).ToString(CultureInfo.InvariantCulture)));
        http.Response.ContentType = "text/plain; charset=utf-8";
        var address = addresses[0];
        try
        {
            HttpResponseMessage? response = null;
            foreach (var candidate in addresses)
            {
                address = candidate;
                response?.Dispose();
                try
                {
                    response = await dispatcher.GetAsync($"{candidate.TrimEnd('/')}/logs?{query}", ct);
                }
                catch (HttpRequestException) when (candidate != addresses[^1])
                {
                    continue;
                }

                if (response.StatusCode != HttpStatusCode.MisdirectedRequest)
                {
                    break;
                }
            }

            using var _ = response;
            if (!response!.IsSuccessStatusCode)
            {
                http.Response.StatusCode = StatusCodes.Status502BadGateway;
                await http.Response.WriteAsync($"the dispatcher answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}\n", ct);
                return;
            }

            await http.Response.StartAsync(ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[8192];
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went away
        }
        catch (HttpRequestException ex) when (!http.Response.HasStarted)
        {
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await http.Response.WriteAsync($"the dispatcher at {address} cannot be reached: {ex.Message}\n", ct);
        }
    }
}
