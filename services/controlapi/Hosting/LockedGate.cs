using Swarm.ControlApi.Common;
using Swarm.EventStore.Security;

namespace Swarm.ControlApi.Hosting;

/// <summary>
/// While this process is locked (autolock on, not yet given the unlock key) every <c>/api</c> route answers 503 with
/// code <c>locked</c> — except the unlock itself and the read-only cluster status (<c>GET /api/cluster</c>,
/// <c>GET /api/cluster/autolock</c>). Runs after <see cref="ControlApiAccess"/>: a caller it refuses learns nothing.
/// </summary>
public sealed class LockedGate(RequestDelegate next, ClusterCa ca)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || OpenWhileLocked(request)
            || !(await ca.AutolockAsync(context.RequestAborted)).Locked)
        {
            await next(context);
            return;
        }

        await new ApiError(ApiError.Locked, "", ClusterLockedException.Reason).ToResult().ExecuteAsync(context);
    }

    /// <summary>What a locked control API still answers: the unlock and the cluster's status.</summary>
    public static bool OpenWhileLocked(HttpRequest request)
    {
        var path = request.Path.Value?.TrimEnd('/') ?? "";
        return HttpMethods.IsPost(request.Method) && path.Equals("/api/cluster/unlock", StringComparison.OrdinalIgnoreCase)
            || HttpMethods.IsGet(request.Method) && (path.Equals("/api/cluster", StringComparison.OrdinalIgnoreCase)
                || path.Equals("/api/cluster/autolock", StringComparison.OrdinalIgnoreCase));
    }
}
