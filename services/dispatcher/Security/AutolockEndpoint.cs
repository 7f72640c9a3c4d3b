using System.Text.Json;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.Dispatcher.Security;

/// <summary>
/// Autolock on the dispatcher's TLS port, for the control API only (a manager certificate of this cluster; the locked
/// identity of a locked control API included — the unlock key itself is what authorises an unlock, and a connection
/// opened while the caller was locked is reused after): <c>GET /autolock</c> answers whether this replica
/// is locked; <c>POST /unlock</c> with <c>{"key":"SWMKEY-1-…"}</c> unlocks it (400 for a wrong key, 409 when autolock
/// is off). While locked the replica refuses agents' Register, Session and certificate calls (FAILED_PRECONDITION).
/// The key is never logged.
/// </summary>
public static class AutolockEndpoint
{
    public static void MapAutolockEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/autolock", async (HttpContext http, ClusterTrust trust, ICertificateAuthority ca, CancellationToken ct) =>
        {
            if (Refused(http, trust) is { } refused)
            {
                return refused;
            }

            var status = await ca.AutolockAsync(ct);
            return Results.Json(new { enabled = status.Enabled, locked = status.Locked, keyKnown = status.KeyKnown });
        });

        app.MapPost("/unlock", async (HttpContext http, ClusterTrust trust, ICertificateAuthority ca, ILoggerFactory loggers, CancellationToken ct) =>
        {
            if (Refused(http, trust) is { } refused)
            {
                return refused;
            }

            string? text;
            try
            {
                using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
                text = body.RootElement.TryGetProperty("key", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            }
            catch (JsonException)
            {
                return Results.Text("the body must be JSON: {\"key\":\"SWMKEY-1-…\"}", statusCode: StatusCodes.Status400BadRequest);
            }

            if (!UnlockKey.TryParse(text, out var key, out var problem))
            {
                return Results.Text($"key: {problem}", statusCode: StatusCodes.Status400BadRequest);
            }

            var logger = loggers.CreateLogger(typeof(AutolockEndpoint));
            try
            {
                if (!await ca.UnlockAsync(key, ct))
                {
                    return Results.Text("the cluster is not locked: autolock is off", statusCode: StatusCodes.Status409Conflict);
                }
            }
            catch (WrongUnlockKeyException ex)
            {
                logger.LogWarning("unlock refused: a wrong unlock key was presented");
                return Results.Text($"key: {ex.Message}", statusCode: StatusCodes.Status400BadRequest);
            }

            logger.LogInformation("unlocked: agents' registrations and certificates are served again");
            trust.RequestRefresh(); // a certificate of this replica's own replaces the locked identity
            return Results.Json(new { locked = false });
        });
    }

    private static IResult? Refused(HttpContext http, ClusterTrust trust)
    {
        if (http.Connection.ClientCertificate is not { } peer)
        {
            return Results.Text("autolock calls need a manager certificate of this cluster (mutual TLS)", statusCode: StatusCodes.Status401Unauthorized);
        }

        if (trust.VerifyPeer(peer, NodeRoles.Manager) is { } problem)
        {
            return Results.Text($"autolock calls need a manager certificate of this cluster: {problem}", statusCode: StatusCodes.Status403Forbidden);
        }

        return null;
    }
}
