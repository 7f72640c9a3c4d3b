using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.ControlApi.Secrets;
using Swarm.ControlApi.Tasks;
using Swarm.Domain.Services;

namespace Swarm.ControlApi.Services;

/// <summary><c>/api/services</c>: create, list, inspect, update and remove services.</summary>
public static class ServiceEndpoints
{
    public static IEndpointRouteBuilder MapServiceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/services").WithTags("services");

        group.MapPost("/", CreateAsync)
            .WithName("CreateService")
            .WithSummary("Create a service")
            .Accepts<ServiceSpec>("application/json")
            .Produces<CommandResult>(StatusCodes.Status201Created)
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/", ListAsync)
            .WithName("ListServices")
            .WithSummary("List services with running/desired replica counts")
            .Produces<IReadOnlyList<ServiceSummary>>();

        group.MapGet("/{nameOrId}", GetAsync)
            .WithName("GetService")
            .WithSummary("Inspect a service by name, id or unique id prefix")
            .Produces<ServiceDetail>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        group.MapPost("/{nameOrId}/update", UpdateAsync)
            .WithName("UpdateService")
            .WithSummary("Change a service; members left out keep their value")
            .Accepts<UpdateServiceRequest>("application/json")
            .Produces<CommandResult>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        group.MapDelete("/{nameOrId}", RemoveAsync)
            .WithName("RemoveService")
            .WithSummary("Remove a service; its tasks are shut down")
            .Produces<CommandResult>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/{nameOrId}/tasks", TasksAsync)
            .WithName("ListServiceTasks")
            .WithSummary("Tasks of a service, current and past (like docker service ps)")
            .Produces<IReadOnlyList<TaskSummary>>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        return app;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IQuerySession session, CommandSender sender, CancellationToken ct)
    {
        var (spec, error) = await JsonBody.ReadAsync<ServiceSpec>(request, "spec");
        if (error is not null)
        {
            return error;
        }

        if (ServiceSpecValidator.Validate(spec) is { } invalid)
        {
            return ApiError.BadRequest(invalid.Field, invalid.Reason);
        }

        if (await SecretQueries.MissingReferenceAsync(session, spec!, "spec", ct) is { } missingReference)
        {
            return missingReference.ToResult();
        }

        var command = new CreateService { CommandId = NewId.NextGuid(), Spec = spec! };
        return await sender.SendAsync(command, command.CommandId, r => Results.Created($"/api/services/{r.Id}", r), ct);
    }

    private static async Task<IResult> ListAsync(IQuerySession session, CancellationToken ct)
    {
        var services = await ServiceQueries.ListAsync(session, ct);
        var counts = await ServiceQueries.CountsAsync(session, services, ct);
        return Results.Ok(services.Select(s => ServiceViews.Summary(s, counts.GetValueOrDefault(s.Id, TaskCounts.None))).ToList());
    }

    private static async Task<IResult> GetAsync(string nameOrId, IQuerySession session, CancellationToken ct)
    {
        var found = await ServiceQueries.FindAsync(session, nameOrId, ct);
        if (found.Error is { } error)
        {
            return error.ToResult();
        }

        return Results.Ok(await ServiceQueries.DetailAsync(session, found.Value!, ct));
    }

    private static async Task<IResult> UpdateAsync(string nameOrId, HttpRequest request, IQuerySession session, CommandSender sender, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<UpdateServiceRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        var found = await ServiceQueries.FindAsync(session, nameOrId, ct);
        if (found.Error is { } missing)
        {
            return missing.ToResult();
        }

        var service = found.Value!;
        var command = new UpdateService
        {
            CommandId = NewId.NextGuid(),
            Service = service.Id.ToString(),
            Spec = body!.Spec,
            Replicas = body.Replicas,
            Image = body.Image,
            Command = body.Command,
            Env = body.Env,
            RestartPolicy = body.RestartPolicy,
            StopGracePeriodSeconds = body.StopGracePeriodSeconds,
            UpdateConfig = body.UpdateConfig,
            RollbackConfig = body.RollbackConfig,
            Force = body.Force,
            Rollback = body.Rollback,
            ExpectedVersion = body.Version,
        };

        if (body.Rollback)
        {
            return service.PreviousSpec is null
                ? ApiError.BadRequest("rollback", $"service '{service.Name}' has no previous spec to roll back to")
                : await sender.SendAsync(command, command.CommandId, Results.Ok, ct);
        }

        if (body.Spec is { } replacement && replacement.Name != service.Name)
        {
            return ApiError.BadRequest("spec.name", $"a service cannot be renamed ('{service.Name}' → '{replacement.Name}')");
        }

        if (ServiceSpecValidator.Validate(ServiceUpdate.Merge(service.Spec, command)) is { } invalid)
        {
            return ApiError.BadRequest(invalid.Field, invalid.Reason);
        }

        if (await SecretQueries.MissingReferenceAsync(session, ServiceUpdate.Merge(service.Spec, command), "spec", ct) is { } missingReference)
        {
            return missingReference.ToResult();
        }

        return await sender.SendAsync(command, command.CommandId, Results.Ok, ct);
    }

    private static async Task<IResult> RemoveAsync(string nameOrId, IQuerySession session, CommandSender sender, CancellationToken ct)
    {
        var found = await ServiceQueries.FindAsync(session, nameOrId, ct);
        if (found.Error is { } missing)
        {
            return missing.ToResult();
        }

        var command = new RemoveService { CommandId = NewId.NextGuid(), Service = found.Value!.Id.ToString() };
        return await sender.SendAsync(command, command.CommandId, Results.Ok, ct);
    }

    private static async Task<IResult> TasksAsync(string nameOrId, IQuerySession session, CancellationToken ct)
    {
        var found = await ServiceQueries.FindAsync(session, nameOrId, ct);
        if (found.Error is { } missing)
        {
            return missing.ToResult();
        }

        return Results.Ok(await TaskQueries.ListAsync(session, new TaskFilter(ServiceId: found.Value!.Id), ct));
    }
}
