using Marten;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Nodes;
using Swarm.ControlApi.Services;
using Swarm.Contracts.Model;

namespace Swarm.ControlApi.Tasks;

/// <summary><c>/api/tasks</c>: list and inspect tasks.</summary>
public static class TaskEndpoints
{
    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tasks").WithTags("tasks");

        group.MapGet("/", ListAsync)
            .WithName("ListTasks")
            .WithSummary("List tasks, optionally of one service (name or id), on one node (id or hostname), or with one desired state")
            .Produces<IReadOnlyList<TaskSummary>>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        group.MapGet("/{id}", GetAsync)
            .WithName("GetTask")
            .WithSummary("Inspect a task (id or unique id prefix) with the full event history of its stream")
            .Produces<TaskDetail>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        return app;
    }

    private static async Task<IResult> ListAsync(IQuerySession session, CancellationToken ct, string? service = null, string? node = null, string? desiredState = null)
    {
        var filter = new TaskFilter();
        if (!string.IsNullOrWhiteSpace(service))
        {
            var found = await ServiceQueries.FindAsync(session, service, ct);
            if (found.Error is { } error)
            {
                return error.ToResult();
            }

            filter = filter with { ServiceId = found.Value!.Id };
        }

        if (!string.IsNullOrWhiteSpace(node))
        {
            var found = await NodeQueries.FindAsync(session, node, ct);
            if (found.Error is { } error)
            {
                return error.ToResult();
            }

            filter = filter with { NodeId = found.Value!.Id };
        }

        if (!string.IsNullOrWhiteSpace(desiredState))
        {
            if (!Enum.TryParse<DesiredState>(desiredState, ignoreCase: true, out var desired) || int.TryParse(desiredState, out _))
            {
                var names = string.Join(", ", Enum.GetNames<DesiredState>().Select(n => n.ToLowerInvariant()));
                return ApiError.BadRequest("desiredState", $"'{desiredState}' is not a desired state ({names})");
            }

            filter = filter with { DesiredState = desired };
        }

        return Results.Ok(await TaskQueries.ListAsync(session, filter, ct));
    }

    private static async Task<IResult> GetAsync(string id, IQuerySession session, CancellationToken ct)
    {
        var found = await TaskQueries.FindAsync(session, id, ct);
        if (found.Error is { } error)
        {
            return error.ToResult();
        }

        return Results.Ok(await TaskQueries.DetailAsync(session, found.Value!, ct));
    }
}
