using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.ControlApi.Cluster;

/// <summary>
/// Autolock (SwarmKit's): <c>GET|POST /api/cluster/autolock</c> (show; turn on — the answer carries the unlock key, the
/// only time it is shown — or off), <c>POST /api/cluster/unlock</c> (this control API, then every dispatcher replica that
/// is locked), <c>GET /api/cluster/unlock-key</c> and <c>POST /api/cluster/unlock-key/rotate</c>. The key is never logged.
/// </summary>
public static class AutolockEndpoints
{
    public static IEndpointRouteBuilder MapAutolockEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cluster").WithTags("cluster");

        group.MapGet("/autolock", GetAsync)
            .WithName("GetAutolock")
            .WithSummary("Whether autolock is on, whether this control API is locked, and each dispatcher replica's lock")
            .Produces<AutolockView>();

        group.MapPost("/autolock", UpdateAsync)
            .WithName("UpdateAutolock")
            .WithSummary("Turn autolock on (the answer carries the unlock key, shown this once) or off")
            .Accepts<UpdateAutolockRequest>("application/json")
            .Produces<AutolockView>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/unlock", UnlockAsync)
            .WithName("UnlockCluster")
            .WithSummary("Give this control API, then every locked dispatcher replica, the unlock key")
            .Accepts<UnlockRequest>("application/json")
            .Produces<AutolockView>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict);

        group.MapGet("/unlock-key", ShowKeyAsync)
            .WithName("GetUnlockKey")
            .WithSummary("The current unlock key, when this control API holds it")
            .Produces<UnlockKeyView>()
            .ProducesErrors(StatusCodes.Status409Conflict);

        group.MapPost("/unlock-key/rotate", RotateKeyAsync)
            .WithName("RotateUnlockKey")
            .WithSummary("Replace the unlock key (the answer carries the new one); the old one unlocks nothing from then on")
            .Produces<UnlockKeyView>()
            .ProducesErrors(StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    private static async Task<IResult> GetAsync(ClusterCa ca, DispatcherLocks dispatchers, CancellationToken ct) =>
        Results.Ok(View(await ca.AutolockAsync(ct), await dispatchers.StatusAsync(ct)));

    private static async Task<IResult> UpdateAsync(HttpRequest request, ClusterCa ca, DispatcherLocks dispatchers, ILoggerFactory loggers, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<UpdateAutolockRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        if (body!.Autolock is not { } on)
        {
            return ApiError.BadRequest("autolock", "true (turn autolock on) or false (turn it off) is required");
        }

        var logger = loggers.CreateLogger(typeof(AutolockEndpoints));
        if (on)
        {
            var key = await ca.EnableAutolockAsync(ct);
            if (key is null)
            {
                return Results.Ok(View(await ca.AutolockAsync(ct), null));
            }

            logger.LogWarning("Autolock turned on: managers that start from now on stay locked until given the unlock key");
            // the running dispatchers keep what they opened; given the key, they can also seal (a token rotation, a new root)
            var replicas = await dispatchers.UnlockAsync(key, evenUnlocked: true, ct);
            return Results.Ok(View(await ca.AutolockAsync(ct), replicas) with { UnlockKey = key.ToString() });
        }

        if (await ca.DisableAutolockAsync(ct))
        {
            logger.LogWarning("Autolock turned off");
        }

        return Results.Ok(View(await ca.AutolockAsync(ct), null));
    }

    private static async Task<IResult> UnlockAsync(HttpRequest request, ClusterCa ca, DispatcherLocks dispatchers, ILoggerFactory loggers, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<UnlockRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        if (!UnlockKey.TryParse(body!.Key, out var key, out var problem))
        {
            return ApiError.BadRequest("key", problem);
        }

        var logger = loggers.CreateLogger(typeof(AutolockEndpoints));
        try
        {
            if (!await ca.UnlockAsync(key, ct))
            {
                return new ApiError(ApiError.Conflict, "", "the cluster is not locked: autolock is off").ToResult();
            }
        }
        catch (WrongUnlockKeyException ex)
        {
            logger.LogWarning("Unlock refused: a wrong unlock key was presented");
            return ApiError.BadRequest("key", ex.Message);
        }

        logger.LogInformation("Unlocked with the unlock key; unlocking the dispatcher replicas");
        return Results.Ok(View(await ca.AutolockAsync(ct), await dispatchers.UnlockAsync(key, evenUnlocked: false, ct)));
    }

    private static async Task<IResult> ShowKeyAsync(ClusterCa ca, CancellationToken ct)
    {
        var status = await ca.AutolockAsync(ct);
        if (!status.Enabled)
        {
            return new ApiError(ApiError.Conflict, "", "autolock is off: there is no unlock key (turn it on with 'swarmctl cluster update --autolock')").ToResult();
        }

        return await ca.KnownUnlockKeyAsync(ct) is { } key
            ? Results.Ok(new UnlockKeyView { UnlockKey = key.ToString() })
            : new ApiError(ApiError.Conflict, "", "this control API does not hold the current unlock key (autolock was turned on or the key rotated while it ran elsewhere): give it with 'swarmctl cluster unlock', or rotate it with 'swarmctl cluster unlock-key --rotate' where it is held").ToResult();
    }

    private static async Task<IResult> RotateKeyAsync(HttpRequest request, ClusterCa ca, DispatcherLocks dispatchers, ILoggerFactory loggers, CancellationToken ct)
    {
        var (_, error) = await JsonBody.ReadAsync<EmptyRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        UnlockKey key;
        try
        {
            key = await ca.RotateUnlockKeyAsync(ct);
        }
        catch (InvalidOperationException ex) when (ex is not ClusterLockedException)
        {
            return new ApiError(ApiError.Conflict, "", ex.Message).ToResult();
        }

        loggers.CreateLogger(typeof(AutolockEndpoints)).LogWarning("The unlock key was rotated: the previous key unlocks nothing from now on");
        await dispatchers.UnlockAsync(key, evenUnlocked: true, ct);
        return Results.Ok(new UnlockKeyView { UnlockKey = key.ToString() });
    }

    private static AutolockView View(AutolockStatus status, IReadOnlyList<DispatcherLockView>? dispatchers) => new()
    {
        Enabled = status.Enabled,
        Locked = status.Locked,
        KeyKnown = status.KeyKnown,
        Dispatchers = dispatchers,
    };
}
