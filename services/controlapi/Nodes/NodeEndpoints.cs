using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;

namespace Swarm.ControlApi.Nodes;

/// <summary><c>/api/nodes</c>: list, inspect, update and remove nodes.</summary>
public static class NodeEndpoints
{
    public static IEndpointRouteBuilder MapNodeEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/nodes").WithTags("nodes");

        group.MapGet("/", ListAsync)
            .WithName("ListNodes")
            .WithSummary("List nodes")
            .Produces<IReadOnlyList<NodeView>>();

        group.MapGet("/{idOrHostname}", GetAsync)
            .WithName("GetNode")
            .WithSummary("Inspect a node by id, hostname or unique id prefix")
            .Produces<NodeView>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        group.MapPost("/{idOrHostname}/update", UpdateAsync)
            .WithName("UpdateNode")
            .WithSummary("Change a node's availability (active, pause, drain) or operator labels")
            .Accepts<UpdateNodeRequest>("application/json")
            .Produces<CommandResult>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        group.MapDelete("/{idOrHostname}", RemoveAsync)
            .WithName("RemoveNode")
            .WithSummary("Remove a node and revoke its certificate; a ready node only with force=true")
            .Produces<CommandResult>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    private static async Task<IResult> ListAsync(IQuerySession session, CancellationToken ct)
    {
        var nodes = await NodeQueries.ListAsync(session, ct);
        var tasks = await NodeQueries.ActiveTaskCountsAsync(session, ct);
        return Results.Ok(nodes.Select(n => NodeViews.From(n, tasks.GetValueOrDefault(n.Id))).ToList());
    }

    private static async Task<IResult> GetAsync(string idOrHostname, IQuerySession session, CancellationToken ct)
    {
        var found = await NodeQueries.FindAsync(session, idOrHostname, ct);
        if (found.Error is { } error)
        {
            return error.ToResult();
        }

        var tasks = await NodeQueries.ActiveTaskCountsAsync(session, ct);
        return Results.Ok(NodeViews.From(found.Value!, tasks.GetValueOrDefault(found.Value!.Id)));
    }

    private static async Task<IResult> UpdateAsync(string idOrHostname, HttpRequest request, IQuerySession session, CommandSender sender, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<UpdateNodeRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        if (body!.LabelAdd?.Keys.Any(string.IsNullOrWhiteSpace) == true)
        {
            return ApiError.BadRequest("labelAdd", "label keys must not be empty");
        }

        if (body.LabelRemove?.Any(string.IsNullOrWhiteSpace) == true)
        {
            return ApiError.BadRequest("labelRemove", "label keys must not be empty");
        }

        var found = await NodeQueries.FindAsync(session, idOrHostname, ct);
        if (found.Error is { } missing)
        {
            return missing.ToResult();
        }

        var command = new UpdateNode
        {
            CommandId = NewId.NextGuid(),
            Node = found.Value!.Id.ToString(),
            Availability = body.Availability,
            LabelAdd = body.LabelAdd,
            LabelRemove = body.LabelRemove,
        };
        return await sender.SendAsync(command, command.CommandId, Results.Ok, ct);
    }

    /// <summary>
    /// Sends <see cref="RemoveNode"/> with the node's id; the orchestrator refuses a ready node unless forced (as
    /// <c>docker node rm</c>), and a node already removed is not found.
    /// </summary>
    private static async Task<IResult> RemoveAsync(string idOrHostname, string? force, IQuerySession session, CommandSender sender, CancellationToken ct)
    {
        var forced = false;
        if (force is { Length: > 0 } && !bool.TryParse(force, out forced))
        {
            return ApiError.BadRequest("force", $"must be true or false, got '{force}'");
        }

        var found = await NodeQueries.FindAsync(session, idOrHostname, ct);
        if (found.Error is { } missing)
        {
            return missing.ToResult();
        }

        var command = new RemoveNode { CommandId = NewId.NextGuid(), Node = found.Value!.Id.ToString(), Force = forced };
        return await sender.SendAsync(command, command.CommandId, Results.Ok, ct);
    }
}
