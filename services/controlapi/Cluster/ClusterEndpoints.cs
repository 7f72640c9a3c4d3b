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
            .WithSummary("Change cluster-wide settings; members left out keep their value")
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

        if (body!.TaskHistoryLimit is null)
        {
            return ApiError.BadRequest("taskHistoryLimit", "nothing to change: give taskHistoryLimit");
        }

        if (body.TaskHistoryLimit is < 0)
        {
            return ApiError.BadRequest("taskHistoryLimit", $"must be zero or more, got {body.TaskHistoryLimit}");
        }

        var command = new UpdateCluster { CommandId = NewId.NextGuid(), TaskHistoryLimit = body.TaskHistoryLimit };
        return await sender.SendAsync(command, command.CommandId, Results.Ok, ct);
    }
}
