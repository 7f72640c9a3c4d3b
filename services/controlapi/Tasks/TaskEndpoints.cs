using Marten;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.ControlApi.Nodes;
using Swarm.ControlApi.Services;
using Swarm.Domain.Tasks;

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

        group.MapGet("/{id}/trace", TraceAsync)
            .WithName("TraceTask")
            .WithSummary("A task's lifecycle as steps read from its stream (works for reaped tasks): time, seconds since created, duration until the next step and the component that wrote each")
            .Produces<TaskTrace>()
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

    private static Task<IResult> GetAsync(string id, IQuerySession session, [Microsoft.AspNetCore.Mvc.FromServices] IOptions<JsonOptions> json, CancellationToken ct) =>
        AnswerForTaskAsync(id, session, task => TaskQueries.DetailAsync(session, task, json.Value.SerializerOptions, ct), ct);

    private static Task<IResult> TraceAsync(string id, IQuerySession session, CancellationToken ct) =>
        AnswerForTaskAsync(id, session, task => TaskQueries.TraceAsync(session, task, ct), ct);

    /// <summary>Finds the task (id or unique prefix; reaped tasks by full id) and answers with what <paramref name="answer"/> reads of it.</summary>
    private static async Task<IResult> AnswerForTaskAsync<T>(string id, IQuerySession session, Func<SwarmTask, Task<T>> answer, CancellationToken ct)
    {
        var found = await TaskQueries.FindAsync(session, id, ct);
        if (found.Error is { } error)
        {
            return error.ToResult();
        }

        return Results.Ok(await answer(found.Value!));
    }
}
