using System.Net.Sockets;
using Npgsql;

namespace Swarm.ControlApi.Common;

/// <summary>Answers 503 with a reason when the cluster log cannot be read, and 500 with a reason otherwise.</summary>
public sealed class ErrorAnswerMiddleware(RequestDelegate next, ILogger<ErrorAnswerMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            ApiError error;
            if (ex is Swarm.EventStore.Security.ClusterLockedException locked)
            {
                // locked after the gate let the request through (or a key this process holds was rotated elsewhere)
                error = new ApiError(ApiError.Locked, "", locked.Message);
            }
            else if (IsSchemaMissing(ex))
            {
                logger.LogWarning("Cluster log schema missing: {Reason}", ex.GetBaseException().Message);
                error = new ApiError(ApiError.Unavailable, "", $"the cluster log's schema is missing or incomplete (run tools/migrator): {ex.GetBaseException().Message}");
            }
            else if (IsStoreUnavailable(ex))
            {
                logger.LogWarning("Cluster log unavailable: {Reason}", ex.GetBaseException().Message);
                error = new ApiError(ApiError.Unavailable, "", $"the cluster log (PostgreSQL) is unavailable: {ex.GetBaseException().Message}");
            }
            else
            {
                logger.LogError(ex, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                error = new ApiError(ApiError.Internal, "", ex.GetBaseException().Message);
            }

            context.Response.Clear();
            await error.ToResult().ExecuteAsync(context);
        }
    }

    /// <summary>Gives bodiless error answers of the routing layer (404, 405, 415) an <see cref="ApiError"/> body.</summary>
    public static Task DescribeStatusAsync(HttpContext context)
    {
        var request = context.Request;
        var error = context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => new ApiError(ApiError.NotFound, "", $"no such endpoint: {request.Method} {request.Path} (see /openapi/v1.json)"),
            StatusCodes.Status405MethodNotAllowed => new ApiError(ApiError.Invalid, "", $"{request.Method} is not allowed on {request.Path}"),
            StatusCodes.Status415UnsupportedMediaType => JsonBody.NotJson(request.ContentType),
            _ => null,
        };
        return error is null ? Task.CompletedTask : context.Response.WriteAsJsonAsync(error.ToBody());
    }

    private static bool IsSchemaMissing(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: "3F000" or "42P01" or "42883" })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsStoreUnavailable(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException or TimeoutException
                || e is NpgsqlException { IsTransient: true }
                || e is PostgresException { SqlState: "3D000" or "28P01" or "28000" or "53300" or "57P01" or "57P03" })
            {
                return true;
            }
        }

        return false;
    }
}
