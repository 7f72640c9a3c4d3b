using System.Globalization;
using System.Text.RegularExpressions;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.Domain.Secrets;

/// <summary>
/// What makes a secret or config valid (Docker's and SwarmKit's rules): its name, its size, its labels; and what makes
/// a service's references to them valid: a source name, a target file name (for configs also an absolute path), a
/// mode of permission bits, numeric uid and gid, and no target given twice.
/// </summary>
public static partial class SecretRules
{
    /// <summary>Largest value: 500 KiB, SwarmKit's limit.</summary>
    public const int MaxSize = 500 * 1024;

    /// <summary>Longest name (Docker's 64).</summary>
    public const int MaxNameLength = 64;

    /// <summary>The default mode of a mounted secret or config file: 0444, as Docker's.</summary>
    public const uint DefaultMode = 0x124; // 0444

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();

    /// <summary>A name as Docker takes it: a letter or digit, then letters, digits, '_', '.' or '-', 64 at most.</summary>
    public static ValidationError? Name(string? name, string field = "name")
    {
        if (string.IsNullOrEmpty(name))
        {
            return new(field, "is required");
        }

        return NamePattern().IsMatch(name)
            ? null
            : new(field, $"'{Shorten(name)}' is not a valid name: use up to {MaxNameLength} letters, digits, '_', '.' or '-', starting with a letter or digit");
    }

    /// <summary>A value: not empty, at most <see cref="MaxSize"/> bytes.</summary>
    public static ValidationError? Data(int length, string field = "data") => length switch
    {
        0 => new(field, "is empty: a secret or config needs a value"),
        > MaxSize => new(field, $"is {length} bytes: at most {MaxSize} bytes (500 KiB) are allowed"),
        _ => null,
    };

    /// <summary>Labels: at most 1,000, keys non-empty and short, values of reasonable size.</summary>
    public static ValidationError? Labels(IReadOnlyDictionary<string, string>? labels, string field = "labels")
    {
        if (labels is null)
        {
            return null;
        }

        if (labels.Count > ServiceSpecValidator.MaxEntries)
        {
            return new(field, $"has {labels.Count} entries: at most {ServiceSpecValidator.MaxEntries}");
        }

        foreach (var (key, value) in labels)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > ServiceSpecValidator.MaxKeyLength)
            {
                return new(field, $"'{Shorten(key)}' is not a label name: 1 to {ServiceSpecValidator.MaxKeyLength} characters");
            }

            if ((value?.Length ?? 0) > ServiceSpecValidator.MaxValueLength)
            {
                return new($"{field}.{key}", $"is longer than {ServiceSpecValidator.MaxValueLength} characters");
            }
        }

        return null;
    }

    /// <summary>The secret and config references of a service spec (<c>spec.secrets[i]</c>, <c>spec.configs[i]</c>).</summary>
    public static ValidationError? References(ServiceSpec spec, string prefix = "spec")
    {
        var secrets = (spec.Secrets ?? []).Select(s => new Reference(s.Source, s.Target, s.Uid, s.Gid, s.Mode)).ToList();
        var configs = (spec.Configs ?? []).Select(c => new Reference(c.Source, c.Target, c.Uid, c.Gid, c.Mode)).ToList();
        return References(secrets, $"{prefix}.secrets", absoluteAllowed: false) ?? References(configs, $"{prefix}.configs", absoluteAllowed: true);
    }

    /// <summary>The target a reference resolves to: the one given, else the source's name.</summary>
    public static string TargetOf(string source, string? target) => string.IsNullOrEmpty(target) ? source : target;

    private sealed record Reference(string Source, string? Target, string? Uid, string? Gid, uint? Mode);

    private static ValidationError? References(IReadOnlyList<Reference> references, string field, bool absoluteAllowed)
    {
        if (references.Count > ServiceSpecValidator.MaxEntries)
        {
            return new(field, $"has {references.Count} entries: at most {ServiceSpecValidator.MaxEntries}");
        }

        var targets = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < references.Count; i++)
        {
            var r = references[i];
            var at = $"{field}[{i}]";
            if (r is null)
            {
                return new(at, "is required");
            }

            if (Name(r.Source, $"{at}.source") is { } source)
            {
                return source;
            }

            var target = TargetOf(r.Source, r.Target);
            if (Target(target, absoluteAllowed) is { } why)
            {
                return new($"{at}.target", $"'{Shorten(target)}' {why}");
            }

            if (!targets.Add(target))
            {
                return new($"{at}.target", $"'{Shorten(target)}' is the target of another reference: each file is given once");
            }

            if (Id(r.Uid) is false)
            {
                return new($"{at}.uid", $"'{Shorten(r.Uid)}' is not a numeric user id");
            }

            if (Id(r.Gid) is false)
            {
                return new($"{at}.gid", $"'{Shorten(r.Gid)}' is not a numeric group id");
            }

            if (r.Mode is > 0x1FF) // 0777
            {
                return new($"{at}.mode", $"{Convert.ToString(r.Mode.Value, 8)} (octal) is not a file mode: permission bits 0000 to 0777 only");
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="target"/> is not a file name (or, when allowed, an absolute path); null when it is.</summary>
    private static string? Target(string target, bool absoluteAllowed)
    {
        if (target.Length > 255 && !absoluteAllowed || target.Length > 4096)
        {
            return "is too long";
        }

        if (target.Contains('\0'))
        {
            return "contains a NUL character";
        }

        if (absoluteAllowed && target.StartsWith('/'))
        {
            var segments = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
            return segments.Length == 0 ? "is not a file path"
                : segments.Any(s => s is ".." or ".") ? "must not contain '.' or '..' segments"
                : null;
        }

        if (target.Contains('/') || target.Contains('\\'))
        {
            return absoluteAllowed
                ? "must be a file name, without '/', or an absolute path"
                : "must be a file name under /run/secrets, without '/'";
        }

        return target is "." or ".." ? "is not a file name" : null;
    }

    /// <summary>Null when not given, else whether it is a decimal number.</summary>
    private static bool? Id(string? id) =>
        id is null ? null : id.Length is > 0 and <= 10 && uint.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static string? Shorten(string? value) => value is { Length: > 64 } ? value[..61] + "..." : value;
}
