namespace Swarm.ControlApi.Common;

/// <summary>Outcome of finding a resource by id, unique id prefix or name.</summary>
public readonly record struct Lookup<T>(T? Value, ApiError? Error) where T : class
{
    public static Lookup<T> Found(T value) => new(value, null);

    public static Lookup<T> Missing(string kind, string reference) =>
        new(null, new ApiError(ApiError.NotFound, "", $"no {kind} '{reference}'"));

    public static Lookup<T> Ambiguous(string kind, string reference, int matches) =>
        new(null, new ApiError(ApiError.Invalid, "", $"'{reference}' is ambiguous: it matches {matches} {kind}s; give more of the id"));

    /// <summary>Picks the single candidate, or says none or several matched.</summary>
    public static Lookup<T> FromMatches(string kind, string reference, IReadOnlyList<T> matches) => matches.Count switch
    {
        0 => Missing(kind, reference),
        1 => Found(matches[0]),
        _ => Ambiguous(kind, reference, matches.Count),
    };
}
