using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.EventStore.Security;

namespace Swarm.ControlApi.Cluster;

/// <summary>
/// <c>/api/cluster/join-tokens</c>: the tokens a new worker or manager joins with, and their rotation (a rotated
/// token admits no new node; nodes that joined keep working). The tokens appear in these answers only: never in a log line.
/// </summary>
public static class JoinTokenEndpoints
{
    public static IEndpointRouteBuilder MapJoinTokenEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cluster/join-tokens").WithTags("cluster");

        group.MapGet("/", GetAsync)
            .WithName("GetJoinTokens")
            .WithSummary("The worker and manager join tokens")
            .Produces<JoinTokensView>();

        group.MapPost("/{kind}/rotate", RotateAsync)
            .WithName("RotateJoinToken")
            .WithSummary("Replace the worker or manager token's secret")
            .Produces<JoinTokensView>()
            .ProducesErrors(StatusCodes.Status400BadRequest);

        return app;
    }

    private static async Task<IResult> GetAsync(ClusterCa ca, CancellationToken ct) => Results.Ok(View(await ca.JoinTokensAsync(ct)));

    private static async Task<IResult> RotateAsync(string kind, HttpRequest request, ClusterCa ca, ILoggerFactory loggers, CancellationToken ct)
    {
        if (kind is not ("worker" or "manager"))
        {
            return ApiError.BadRequest("kind", $"'{kind}' is not a token kind: use worker or manager");
        }

        var (_, error) = await JsonBody.ReadAsync<EmptyRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        var tokens = await ca.RotateJoinTokenAsync(kind, ct);
        loggers.CreateLogger(typeof(JoinTokenEndpoints)).LogInformation("The {Kind} join token was rotated", kind);
        return Results.Ok(View(tokens));
    }

    private static JoinTokensView View(JoinTokens tokens) => new() { Worker = tokens.Worker, Manager = tokens.Manager };
}
