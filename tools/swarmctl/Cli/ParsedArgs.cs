using System.Globalization;

namespace Swarm.Ctl.Cli;

/// <summary>A flag a command accepts. <see cref="ValueName"/> null means a boolean switch.</summary>
public sealed record FlagSpec(string Name, string? Short, string? ValueName, string Help, bool Repeatable = false)
{
    public bool IsSwitch => ValueName is null;
}

/// <summary>A bad command line; the runner prints it with a pointer to the command's help and exits 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The flags and arguments given to one command, before they are turned into a <see cref="CliCommand"/>.</summary>
public sealed class ParsedArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    /// <summary>The program and arguments after <c>--</c> (or after the last expected positional).</summary>
    public List<string> Command { get; } = [];

    public bool CommandGiven { get; set; }

    public void Add(string flag, string value)
    {
        if (!_values.TryGetValue(flag, out var list))
        {
            _values[flag] = list = [];
        }

        list.Add(value);
    }

    public bool Has(string flag) => _values.ContainsKey(flag);

    /// <summary>The last value given for <paramref name="flag"/>.</summary>
    public string? Get(string flag) => _values.TryGetValue(flag, out var list) ? list[^1] : null;

    public IReadOnlyList<string> All(string flag) => _values.TryGetValue(flag, out var list) ? list : [];

    public bool Switch(string flag) => Get(flag) is { } v && ParseBool(flag, v);

    public int? Int(string flag, int min = int.MinValue)
    {
        if (Get(flag) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new UsageException($"invalid value '{text}' for --{flag}: not a whole number");
        }

        if (value < min)
        {
            throw new UsageException($"invalid value '{text}' for --{flag}: must be {min} or more");
        }

        return value;
    }

    public TimeSpan? Duration(string flag)
    {
        if (Get(flag) is not { } text)
        {
            return null;
        }

        return Durations.TryParse(text, out var value, out var error)
            ? value
            : throw new UsageException($"invalid value for --{flag}: {error}");
    }

    /// <summary><c>--flag K=V</c> values as a map (a later key wins).</summary>
    public Dictionary<string, string> Pairs(string flag, bool valueRequired = true)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in All(flag))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq == 0 || (eq < 0 && valueRequired))
            {
                throw new UsageException($"invalid value '{item}' for --{flag}: expected KEY=VALUE");
            }

            if (eq < 0)
            {
                map[item] = "";
            }
            else
            {
                map[item[..eq]] = item[(eq + 1)..];
            }
        }

        return map;
    }

    public OutputFormat Format()
    {
        return Get("format")?.ToLowerInvariant() switch
        {
            null or "" or "pretty" or "table" => OutputFormat.Pretty,
            "json" => OutputFormat.Json,
            var other => throw new UsageException($"invalid value '{other}' for --format: use json (or table)"),
        };
    }

    public static bool ParseBool(string flag, string value) => value.ToLowerInvariant() switch
    {
        "" or "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new UsageException($"invalid value '{value}' for --{flag}: expected true or false"),
    };
}
