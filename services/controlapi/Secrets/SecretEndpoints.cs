using System.Buffers.Text;
using Marten;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Secrets;
using Swarm.EventStore.Secrets;

namespace Swarm.ControlApi.Secrets;

/// <summary>
/// <c>/api/secrets</c> and <c>/api/configs</c>: create, list, inspect and remove. Immutable: there is no update
/// (rotation is a new secret and a service update, as in Docker).
/// </summary>
/// <remarks>
/// Unlike every other write of the control API, creating a secret or config is not a command sent to the
/// orchestrator: a command travels over the bus, is kept in the broker's queues and may be logged or traced on the
/// way, and a secret's value must never be in any message. The control API holds the key-encryption key already (for
/// the CA), so it validates, encrypts and writes the value and its <c>SecretCreated</c> event in one transaction itself;
/// only the metadata event reaches the bus, through the relay. Removal is written here too, so that both halves of a
/// secret's life are decided in one place.
/// </remarks>
public static class SecretEndpoints
{
    public static IEndpointRouteBuilder MapSecretEndpoints(this IEndpointRouteBuilder app)
    {
        Map(app, SecretStore.SecretKind, "secrets");
        Map(app, SecretStore.ConfigKind, "configs");
        return app;
    }

    private static void Map(IEndpointRouteBuilder app, string kind, string plural)
    {
        var title = kind == SecretStore.SecretKind ? "Secret" : "Config";
        var group = app.MapGroup($"/api/{plural}").WithTags(plural);

        group.MapPost("/", (HttpRequest request, SecretStore store, IQuerySession session, CancellationToken ct) => CreateAsync(kind, plural, request, store, session, ct))
            .WithName($"Create{title}")
            .WithSummary($"Create a {kind} from a base64 value (at most 500 KiB); the answer is its metadata")
            .Accepts<CreateSecretRequest>("application/json")
            .Produces(StatusCodes.Status201Created, kind == SecretStore.SecretKind ? typeof(SecretView) : typeof(ConfigView))
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict);

        group.MapGet("/", (IQuerySession session, CancellationToken ct) => ListAsync(kind, session, ct))
            .WithName($"List{title}s")
            .WithSummary($"List {plural} (metadata only)")
            .Produces(StatusCodes.Status200OK, kind == SecretStore.SecretKind ? typeof(IReadOnlyList<SecretView>) : typeof(IReadOnlyList<ConfigView>));

        group.MapGet("/{idOrName}", (string idOrName, IQuerySession session, SecretStore store, CancellationToken ct) => GetAsync(kind, idOrName, session, store, ct))
            .WithName($"Get{title}")
            .WithSummary(kind == SecretStore.SecretKind
                ? "Inspect a secret by name, id or unique id prefix: metadata only, never the value"
                : "Inspect a config by name, id or unique id prefix, with its value (base64)")
            .Produces(StatusCodes.Status200OK, kind == SecretStore.SecretKind ? typeof(SecretView) : typeof(ConfigView))
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        group.MapDelete("/{idOrName}", (string idOrName, IQuerySession session, SecretStore store, CancellationToken ct) => RemoveAsync(kind, idOrName, session, store, ct))
            .WithName($"Remove{title}")
            .WithSummary($"Remove a {kind}; refused (409) while a service references it")
            .Produces<CommandResult>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> CreateAsync(string kind, string plural, HttpRequest request, SecretStore store, IQuerySession session, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<CreateSecretRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        if (SecretRules.Name(body!.Name) is { } badName)
        {
            return ApiError.BadRequest(badName.Field, badName.Reason);
        }

        if (SecretRules.Labels(body.Labels) is { } badLabels)
        {
            return ApiError.BadRequest(badLabels.Field, badLabels.Reason);
        }

        // the reason never repeats the value: an error answer may be logged
        var data = Decode(body.Data ?? "");
        if (data is null)
        {
            return ApiError.BadRequest("data", "is not base64");
        }

        if (SecretRules.Data(data.Length) is { } badData)
        {
            return ApiError.BadRequest(badData.Field, badData.Reason);
        }

        Guid id;
        try
        {
            id = await store.CreateAsync(kind, body.Name, body.Labels, data, ct);
        }
        catch (SecretNameTakenException ex)
        {
            return new ApiError(ApiError.Conflict, "name", ex.Message).ToResult();
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(data);
        }

        object view = kind == SecretStore.SecretKind
            ? View((await session.LoadAsync<Secret>(id, ct))!)
            : View((await session.LoadAsync<Config>(id, ct))!, null);
        return Results.Created($"/api/{plural}/{id}", view);
    }

    private static async Task<IResult> ListAsync(string kind, IQuerySession session, CancellationToken ct) =>
        kind == SecretStore.SecretKind
            ? Results.Ok((await SecretQueries.SecretsAsync(session, ct)).Select(View).ToList())
            : Results.Ok((await SecretQueries.ConfigsAsync(session, ct)).Select(c => View(c, null)).ToList());

    private static async Task<IResult> GetAsync(string kind, string idOrName, IQuerySession session, SecretStore store, CancellationToken ct)
    {
        if (kind == SecretStore.SecretKind)
        {
            var secret = SecretQueries.Find("secret", await SecretQueries.SecretsAsync(session, ct), idOrName, s => s.Id, s => s.Name);
            return secret.Error is { } missing ? missing.ToResult() : Results.Ok(View(secret.Value!));
        }

        var config = SecretQueries.Find("config", await SecretQueries.ConfigsAsync(session, ct), idOrName, c => c.Id, c => c.Name);
        if (config.Error is { } notFound)
        {
            return notFound.ToResult();
        }

        var value = await store.ReadValueAsync(kind, config.Value!.Id, ct);
        return Results.Ok(View(config.Value!, value is null ? null : Convert.ToBase64String(value)));
    }

    private static async Task<IResult> RemoveAsync(string kind, string idOrName, IQuerySession session, SecretStore store, CancellationToken ct)
    {
        Guid id;
        string name;
        if (kind == SecretStore.SecretKind)
        {
            var found = SecretQueries.Find("secret", await SecretQueries.SecretsAsync(session, ct), idOrName, s => s.Id, s => s.Name);
            if (found.Error is { } missing)
            {
                return missing.ToResult();
            }

            (id, name) = (found.Value!.Id, found.Value.Name);
        }
        else
        {
            var found = SecretQueries.Find("config", await SecretQueries.ConfigsAsync(session, ct), idOrName, c => c.Id, c => c.Name);
            if (found.Error is { } missing)
            {
                return missing.ToResult();
            }

            (id, name) = (found.Value!.Id, found.Value.Name);
        }

        var users = await store.RemoveAsync(kind, id, name, ct);
        if (users.Count > 0)
        {
            return new ApiError(ApiError.Conflict, "", $"{kind} '{name}' is in use by service{(users.Count == 1 ? "" : "s")} {string.Join(", ", users)}: remove it from them first ('swarmctl service update --{kind}-rm {name} SERVICE')").ToResult();
        }

        return Results.Ok(new CommandResult { Id = id, Version = 2 });
    }

    /// <summary>The bytes of base64 <paramref name="text"/>, or null when it is not base64.</summary>
    private static byte[]? Decode(string text)
    {
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
        try
        {
            return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
        }
    }

    public static SecretView View(Secret s) => new()
    {
        Id = s.Id,
        Name = s.Name,
        Labels = s.Labels ?? new Dictionary<string, string>(),
        Size = s.Size,
        CreatedAt = s.CreatedAt,
    };

    public static ConfigView View(Config c, string? data) => new()
    {
        Id = c.Id,
        Name = c.Name,
        Labels = c.Labels ?? new Dictionary<string, string>(),
        Size = c.Size,
        Digest = c.Digest,
        CreatedAt = c.CreatedAt,
        Data = data,
    };
}
