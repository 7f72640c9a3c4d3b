using Marten;
using Swarm.Domain.Services;

namespace Swarm.EventStore.Queries;

public enum LookupOutcome
{
    Found,
    Missing,
    Ambiguous,
}

/// <summary>What a reference (full id, name, or id prefix) named: one object, none, or several.</summary>
public readonly record struct LookupResult<T>(LookupOutcome Outcome, T? Value, int Matches, string Kind, string Reference) where T : class
{
    public static LookupResult<T> FromMatches(string kind, string reference, IReadOnlyList<T> matches) => matches.Count switch
    {
        0 => new(LookupOutcome.Missing, null, 0, kind, reference),
        1 => new(LookupOutcome.Found, matches[0], 1, kind, reference),
        _ => new(LookupOutcome.Ambiguous, null, matches.Count, kind, reference),
    };

    /// <summary>Why nothing was found, as the control API and a command rejection say it; null when found.</summary>
    public Rejection? Rejection => Outcome switch
    {
        LookupOutcome.Missing => new Rejection(Rejection.NotFound, new ValidationError(Kind, $"no {Kind} '{Reference}'")),
        LookupOutcome.Ambiguous => new Rejection(Rejection.Invalid, new ValidationError(Kind, $"'{Reference}' is ambiguous: it matches {Matches} {Kind}s; give more of the id")),
        _ => null,
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

/// <summary>How the CLI, the control API and commands name a service: full id, exact name, or unique id prefix.</summary>
public static class ServiceLookup
{
    /// <summary>Finds a live service by full id, exact name, or unique id prefix (in that order). Removed services are invisible.</summary>
    public static async Task<LookupResult<Service>> FindServiceAsync(this IQuerySession session, string reference, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(reference, out var id))
        {
            var byId = await session.LoadAsync<Service>(id, cancellationToken);
            return LookupResult<Service>.FromMatches("service", reference, byId is { Removed: false } ? [byId] : []);
        }

        var byName = await session.Query<Service>().Where(s => s.Name == reference && !s.Removed).ToListAsync(cancellationToken);
        if (byName.Count > 0)
        {
            return LookupResult<Service>.FromMatches("service", reference, [byName[0]]);
        }

        if (IdPrefix.Normalize(reference) is not { } prefix)
        {
            return LookupResult<Service>.FromMatches("service", reference, []);
        }

        var byPrefix = await session.QueryAsync<Service>(IdPrefix.SqlCondition, cancellationToken, prefix + "%");
        return LookupResult<Service>.FromMatches("service", reference, byPrefix.Where(s => !s.Removed).ToList());
    }
}
