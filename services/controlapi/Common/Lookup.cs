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

/// <summary>Ids as users type them: a full GUID, or a prefix of its 32 hex digits (dashes ignored).</summary>
public static class IdPrefix
{
    /// <summary>The lower-case hex digits of <paramref name="text"/> if it can be an id prefix, else null.</summary>
    public static string? Normalize(string text)
    {
        var hex = text.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        if (hex.Length is 0 or > 32)
        {
            return null;
        }

        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }
        }

        return hex;
    }

    public static bool Matches(Guid id, string hexPrefix) => id.ToString("N").StartsWith(hexPrefix, StringComparison.Ordinal);

    /// <summary>SQL condition on a document table that keeps ids starting with the (already normalized) prefix.</summary>
    public const string SqlCondition = "where replace(id::text, '-', '') like ?";
}
