using System.Globalization;

namespace Swarm.Ctl.Output;

/// <summary>Human wording of times and sizes, in docker's manner.</summary>
public static class Humanize
{
    /// <summary>Short id as tables show it: the first 12 hex digits.</summary>
    public static string ShortId(Guid id) => id.ToString("N")[..12];

    /// <summary><c>less than a second</c>, <c>5 seconds</c>, <c>about a minute</c>, <c>3 minutes</c>, <c>2 hours</c>, <c>3 days</c>...</summary>
    public static string Duration(TimeSpan d)
    {
        var seconds = d.TotalSeconds;
        if (seconds < 1)
        {
            return "less than a second";
        }

        if (seconds < 2)
        {
            return "1 second";
        }

        if (seconds < 60)
        {
            return $"{(int)seconds} seconds";
        }

        var minutes = d.TotalMinutes;
        if (minutes < 2)
        {
            return "about a minute";
        }

        if (minutes < 60)
        {
            return $"{(int)minutes} minutes";
        }

        var hours = d.TotalHours;
        if (hours < 2)
        {
            return "about an hour";
        }

        if (hours < 48)
        {
            return $"{(int)hours} hours";
        }

        if (hours < 24 * 7 * 2)
        {
            return $"{(int)(hours / 24)} days";
        }

        if (hours < 24 * 30 * 2)
        {
            return $"{(int)(hours / 24 / 7)} weeks";
        }

        return hours < 24 * 365 * 2 ? $"{(int)(hours / 24 / 30)} months" : $"{(int)(hours / 24 / 365)} years";
    }

    public static string Ago(DateTimeOffset at, DateTimeOffset now) => $"{Duration(now - at)} ago";

    /// <summary>UTC with milliseconds: <c>2026-11-24T20:31:02.123Z</c>.</summary>
    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]}");
    }

    public static string Cpus(long nanoCpus) => (nanoCpus / 1e9).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Cuts <paramref name="text"/> to <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary><c>Running</c>, <c>Worker</c>: the first letter upper-case.</summary>
    public static string Title(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();

    /// <summary>A command line for display, quoting arguments that need it.</summary>
    public static string CommandLine(IEnumerable<string> command) =>
        string.Join(' ', command.Select(a => a.Length == 0 || a.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$' or '\\') ? $"\"{a.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"" : a));
}
