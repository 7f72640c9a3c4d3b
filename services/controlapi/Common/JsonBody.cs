using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Swarm.ControlApi.Common;

/// <summary>
/// Reads a request body strictly (unknown properties are refused, so a misspelt field is not silently
/// ignored) and turns a malformed body into a 400 that names the problem.
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, string fieldPrefix) where T : class
    {
        var options = Strict(request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
        if (!IsJson(request.ContentType))
        {
            return (null, NotJson(request.ContentType).ToResult());
        }

        if (request.ContentLength == 0)
        {
            return (null, ApiError.BadRequest(fieldPrefix, "a JSON body is required"));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, request.HttpContext.RequestAborted);
            return value is null
                ? (null, ApiError.BadRequest(fieldPrefix, "a JSON object is required, got null"))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, ApiError.BadRequest(FieldOf(ex.Path, fieldPrefix), Describe(ex)));
        }
    }

    /// <summary>
    /// Is <paramref name="contentType"/> <c>application/json</c> (any parameters, such as a charset)? A missing type is
    /// not: a web page can send a body without one to any address the browser reaches, and must not be able to
    /// change the cluster.
    /// </summary>
    public static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The 415 answer to a body that is not declared JSON.</summary>
    public static ApiError NotJson(string? contentType) => new(ApiError.UnsupportedMediaType, "",
        string.IsNullOrWhiteSpace(contentType)
            ? "the request has no Content-Type: send the body as JSON with Content-Type: application/json"
            : $"Content-Type '{contentType}' is not accepted: send the body as JSON with Content-Type: application/json");

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> StrictCache = new();

    private static JsonSerializerOptions Strict(JsonSerializerOptions web) =>
        StrictCache.GetValue(web, o => new JsonSerializerOptions(o) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow });

    /// <summary><c>$.restartPolicy.delaySeconds</c> under prefix <c>spec</c> → <c>spec.restartPolicy.delaySeconds</c>.</summary>
    public static string FieldOf(string? jsonPath, string prefix)
    {
        var path = (jsonPath ?? "$").TrimStart('$').TrimStart('.');
        return path.Length == 0 ? prefix : prefix.Length == 0 ? path : $"{prefix}.{path}";
    }

    /// <summary>A one-line reason without .NET type names.</summary>
    public static string Describe(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }

        const string unmapped = "The JSON property '";
        if (message.StartsWith(unmapped, StringComparison.Ordinal) && message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var name = message[unmapped.Length..message.IndexOf('\'', unmapped.Length)];
            return $"unknown property '{name}'";
        }

        if (message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal))
        {
            return $"has the wrong type or value (expected {Expected(message)})";
        }

        if (message.Contains("does not contain any JSON tokens", StringComparison.Ordinal))
        {
            return "a JSON body is required";
        }

        var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
        return $"malformed JSON{where}: {message.TrimEnd('.')}";
    }

    private static string Expected(string message)
    {
        var type = message["The JSON value could not be converted to ".Length..].TrimEnd('.');
        type = type.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']');
        return type switch
        {
            "System.Int32" => "a whole number from -2147483648 to 2147483647",
            "System.Int64" => "a whole number from -9223372036854775808 to 9223372036854775807",
            "System.Double" => "a number",
            "System.String" => "a string",
            "System.Boolean" => "true or false",
            _ when type.StartsWith("System.Collections", StringComparison.Ordinal) && type.Contains("Dictionary", StringComparison.Ordinal) => "an object of string values",
            _ when type.StartsWith("System.Collections", StringComparison.Ordinal) => "an array of strings",
            _ when type.Contains("Model.", StringComparison.Ordinal) && !type.EndsWith("Spec", StringComparison.Ordinal) => $"one of: {EnumNames(type)}",
            _ => "an object",
        };
    }

    private static string EnumNames(string typeName)
    {
        var type = typeof(Swarm.Contracts.Model.ServiceSpec).Assembly.GetType(typeName);
        return type is { IsEnum: true } ? string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant())) : typeName;
    }
}
