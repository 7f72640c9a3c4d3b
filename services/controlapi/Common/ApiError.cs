using Swarm.ControlApi.Contracts;

namespace Swarm.ControlApi.Common;

/// <summary>
/// An error answer: <see cref="Code"/> is <c>invalid</c>, <c>conflict</c>, <c>not-found</c>, <c>forbidden</c>,
/// <c>unsupported-media-type</c>, <c>unavailable</c>, <c>locked</c> (503: autolock, see <c>swarmctl cluster unlock</c>) or
/// <c>internal</c> and gives the HTTP status; <see cref="Field"/> names the input at
/// fault (JSON path such as <c>spec.replicas</c>) or is empty. Written as an <see cref="ApiErrorBody"/>.
/// </summary>
public sealed record ApiError(string Code, string Field, string Reason)
{
    public const string Invalid = "invalid";
    public const string Conflict = "conflict";
    public const string NotFound = "not-found";
    public const string Forbidden = "forbidden";
    public const string UnsupportedMediaType = "unsupported-media-type";
    public const string Unavailable = "unavailable";
    public const string Locked = "locked";
    public const string Internal = "internal";

    public static int StatusFor(string code) => code switch
    {
        Invalid => StatusCodes.Status400BadRequest,
        Conflict => StatusCodes.Status409Conflict,
        NotFound => StatusCodes.Status404NotFound,
        Forbidden => StatusCodes.Status403Forbidden,
        UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        Unavailable or Locked => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public ApiErrorBody ToBody() => new() { Code = Code, Field = Field, Reason = Reason };

    public IResult ToResult() => Results.Json(ToBody(), statusCode: StatusFor(Code));

    public static IResult BadRequest(string field, string reason) => new ApiError(Invalid, field, reason).ToResult();

    public static IResult Missing(string kind, string reference) =>
        new ApiError(NotFound, "", $"no {kind} '{reference}'").ToResult();
}
