using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Networks;

namespace Swarm.ControlApi.Networks;

/// <summary><c>/api/networks</c>: create, list, inspect and remove networks.</summary>
public static class NetworkEndpoints
{
    public static IEndpointRouteBuilder MapNetworkEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/networks").WithTags("networks");

        group.MapPost("/", CreateAsync)
            .WithName("CreateNetwork")
            .WithSummary("Create a network; without a subnet it gets the next free /24 of 10.0.0.0/8")
            .Accepts<NetworkSpec>("application/json")
            .Produces<NetworkView>(StatusCodes.Status201Created)
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/", ListAsync)
            .WithName("ListNetworks")
            .WithSummary("List networks with the services attached to each")
            .Produces<IReadOnlyList<NetworkView>>();

        group.MapGet("/{idOrName}", GetAsync)
            .WithName("GetNetwork")
            .WithSummary("Inspect a network by name, id or unique id prefix")
            .Produces<NetworkView>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        group.MapDelete("/{idOrName}", RemoveAsync)
            .WithName("RemoveNetwork")
            .WithSummary("Remove a network; refused (409) while a service uses it")
            .Produces<CommandResult>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IQuerySession session, CommandSender sender, CancellationToken ct)
    {
        var (spec, error) = await JsonBody.ReadAsync<NetworkSpec>(request, "spec");
        if (error is not null)
        {
            return error;
        }

        if (Validate(spec!) is { } invalid)
        {
            return invalid;
        }

        var command = new CreateNetwork { CommandId = NewId.NextGuid(), Spec = spec! };
        var answer = await sender.SendAsync(command, command.CommandId, r => new Accepted(r), ct);
        if (answer is not Accepted accepted)
        {
            return answer;
        }

        // the network is written in the transaction that accepted the command
        var networks = await NetworkQueries.ListAsync(session, ct);
        var created = networks.FirstOrDefault(n => n.Id == accepted.Result.Id);
        var view = created is null
            ? new NetworkView
            {
                Id = accepted.Result.Id,
                Name = spec!.Name,
                Driver = spec.Driver ?? "overlay",
                Subnet = spec.Subnet ?? "",
                Gateway = spec.Gateway ?? "",
                Attachable = spec.Attachable,
                Labels = spec.Labels ?? new Dictionary<string, string>(),
            }
            : NetworkViews.View(created, []);
        return Results.Created($"/api/networks/{accepted.Result.Id}", view);
    }

    private static async Task<IResult> ListAsync(IQuerySession session, CancellationToken ct)
    {
        var networks = await NetworkQueries.ListAsync(session, ct);
        var services = await NetworkQueries.ServicesAsync(session, networks, ct);
        return Results.Ok(networks.Select(n => NetworkViews.View(n, services[n.Id])).ToList());
    }

    private static async Task<IResult> GetAsync(string idOrName, IQuerySession session, CancellationToken ct)
    {
        var networks = await NetworkQueries.ListAsync(session, ct);
        var found = NetworkQueries.Find(networks, idOrName);
        if (found.Error is { } error)
        {
            return error.ToResult();
        }

        var services = await NetworkQueries.ServicesAsync(session, [found.Value!], ct);
        return Results.Ok(NetworkViews.View(found.Value!, services[found.Value!.Id]));
    }

    private static async Task<IResult> RemoveAsync(string idOrName, IQuerySession session, CommandSender sender, CancellationToken ct)
    {
        var found = await NetworkQueries.FindAsync(session, idOrName, ct);
        if (found.Error is { } missing)
        {
            return missing.ToResult();
        }

        var command = new RemoveNetwork { CommandId = NewId.NextGuid(), Network = found.Value!.Id.ToString() };
        return await sender.SendAsync(command, command.CommandId, Results.Ok, ct);
    }

    /// <summary>
    /// What can be told from the spec alone, by the domain's own rules: a valid name, a subnet in CIDR form with a
    /// prefix the pool accepts, a gateway that is an IPv4 address. Whether the subnet is free, the gateway inside it and
    /// the driver known is the orchestrator's to say.
    /// </summary>
    public static IResult? Validate(NetworkSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            return ApiError.BadRequest("spec.name", "is required");
        }

        if (!NetworkDecisions.IsValidName(spec.Name))
        {
            return ApiError.BadRequest("spec.name", $"'{spec.Name}' is not a valid name: use up to 63 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }

        if (spec.Subnet is { } subnet && AddressPool.TryParseSubnet(subnet) is null)
        {
            return ApiError.BadRequest("spec.subnet", $"'{subnet}' is not an IPv4 subnet in CIDR form with a prefix between /{AddressPool.MinPrefix} and /{AddressPool.MaxPrefix}, e.g. 10.1.0.0/24");
        }

        if (spec.Gateway is { } gateway && AddressPool.TryParseAddress(gateway) is null)
        {
            return ApiError.BadRequest("spec.gateway", $"'{gateway}' is not an IPv4 address, e.g. 10.1.0.1");
        }

        return null;
    }

    /// <summary>The command was accepted: carries its result out of <see cref="CommandSender.SendAsync{T}"/>.</summary>
    private sealed class Accepted(CommandResult result) : IResult
    {
        public CommandResult Result { get; } = result;

        public Task ExecuteAsync(HttpContext httpContext) => Results.Ok(Result).ExecuteAsync(httpContext);
    }
}
