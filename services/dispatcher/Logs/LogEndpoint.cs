using System.Globalization;
using System.Text;

namespace Swarm.Dispatcher.Logs;

/// <summary>
/// <c>GET /logs?task=ID[&amp;task=ID…][&amp;service=ID][&amp;follow=true][&amp;tail=N]</c>: the tasks'
/// output as plain text, one line per output line, each prefixed with <c>service.slot@node | </c>,
/// flushed as it arrives; following with <c>service</c> takes in the service's tasks that start
/// later. This is how the control API reaches the log broker.
/// </summary>
public static class LogEndpoint
{
    public static void MapLogEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/logs", async (HttpContext http, LogBroker broker, Swarm.Dispatcher.Leadership.LeadershipState leadership, Security.ClusterTrust trust, CancellationToken ct) =>
        {
            // task output is the cluster's data: only a manager of this cluster (the control API) may read it
            if (http.Connection.ClientCertificate is not { } peer)
            {
                return Results.Text("the log endpoint needs a manager certificate of this cluster (mutual TLS)", statusCode: StatusCodes.Status401Unauthorized);
            }

            if (trust.VerifyPeer(peer, Swarm.Security.NodeRoles.Manager) is { } problem)
            {
                return Results.Text($"the log endpoint needs a manager certificate of this cluster: {problem}", statusCode: StatusCodes.Status403Forbidden);
            }

            // only the leader holds agent sessions: another replica sends the caller on
            if (!leadership.IsServing)
            {
                return Results.Text($"not the leader ({leadership.Role})", statusCode: StatusCodes.Status421MisdirectedRequest);
            }

            var ids = new List<Guid>();
            foreach (var value in http.Request.Query["task"])
            {
                if (!Guid.TryParse(value, out var id))
                {
                    return Results.BadRequest($"task: '{value}' is not a task id");
                }

                ids.Add(id);
            }

            Guid? service = null;
            if (http.Request.Query["service"] is { Count: > 0 } serviceValue)
            {
                if (!Guid.TryParse(serviceValue, out var serviceId))
                {
                    return Results.BadRequest($"service: '{serviceValue}' is not a service id");
                }

                service = serviceId;
            }

            var follow = http.Request.Query["follow"] is { Count: > 0 } f && bool.TryParse(f, out var yes) && yes;
            var tail = http.Request.Query["tail"] is { Count: > 0 } t && int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0;

            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.StartAsync(ct);
            try
            {
                await foreach (var line in broker.SubscribeAsync(ids, follow, tail, service, ct))
                {
                    await http.Response.WriteAsync(Format(line), Encoding.UTF8, ct);
                    await http.Response.Body.FlushAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // the reader went away
            }

            return Results.Empty;
        });

    public static string Format(Api.LogLine line) => $"{line.ServiceName}.{line.Slot}@{line.Node} | {line.Text}\n";
}
