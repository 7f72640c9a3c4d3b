using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Cluster;

namespace Swarm.ControlApi.Cluster;

/// <summary><c>/api/cluster</c>: read and change the cluster-wide settings.</summary>
public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cluster").WithTags("cluster");

        group.MapGet("/", GetAsync)
            .WithName("GetCluster")
            .WithSummary("The cluster-wide settings (defaults while never changed)")
            .Produces<ClusterView>();

        group.MapPost("/update", UpdateAsync)
            .WithName("UpdateCluster")
            .WithSummary("Change cluster-wide settings (task history limit, node certificate lifetime); members left out keep their value")
            .Accepts<UpdateClusterRequest>("application/json")
            .Produces<CommandResult>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    private static async Task<IResult> GetAsync(IQuerySession session, CancellationToken ct) =>
        Results.Ok(ClusterViews.From(await session.LoadAsync<ClusterSettings>(ClusterSettings.DefaultId, ct)));

    private static async Task<IResult> UpdateAsync(HttpRequest request, CommandSender sender, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<UpdateClusterRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        var changes = body!;
        if (Problem(changes) is { } problem)
        {
            return problem;
        }

        var command = new UpdateCluster
        {
            CommandId = NewId.NextGuid(),
            TaskHistoryLimit = changes.TaskHistoryLimit,
            NodeCertExpirySeconds = changes.NodeCertExpirySeconds,
        };
        return await sender.SendAsync(command, command.CommandId, Results.Ok, ct);
    }

    /// <summary>The shortest node certificate lifetime: renewal starts at half of it, so less would keep the CA busy.</summary>
    public const long MinNodeCertExpirySeconds = 3600;

    /// <summary>The longest: ten years (a root lives twenty).</summary>
    public const long MaxNodeCertExpirySeconds = 10L * 365 * 24 * 3600;

    /// <summary>The error answer for a body that changes nothing or holds a value out of range, naming the field; else null.</summary>
    public static IResult? Problem(UpdateClusterRequest body)
    {
        if (body.TaskHistoryLimit is null && body.NodeCertExpirySeconds is null)
        {
            return ApiError.BadRequest("", "nothing to change: give taskHistoryLimit or nodeCertExpirySeconds");
        }

        if (body.TaskHistoryLimit is < 0)
        {
            return ApiError.BadRequest("taskHistoryLimit", $"must be zero or more, got {body.TaskHistoryLimit}");
        }

        return body.NodeCertExpirySeconds switch
        {
            < MinNodeCertExpirySeconds => ApiError.BadRequest("nodeCertExpirySeconds", $"must be at least {MinNodeCertExpirySeconds} (1 hour), got {body.NodeCertExpirySeconds}"),
            > MaxNodeCertExpirySeconds => ApiError.BadRequest("nodeCertExpirySeconds", $"must be at most {MaxNodeCertExpirySeconds} (10 years), got {body.NodeCertExpirySeconds}"),
            _ => null,
        };
    }
}
