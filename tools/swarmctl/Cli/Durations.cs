using System.Globalization;
using System.Text;

namespace Swarm.Ctl.Cli;

/// <summary>Durations as operators type them: <c>500ms</c>, <c>5s</c>, <c>1m30s</c>, <c>2h</c>, <c>90d</c>, <c>1.5s</c>; a bare number is seconds.</summary>
public static class Durations
{
    /// <summary>Parses <paramref name="text"/>; returns false (with <paramref name="error"/>) when it is not a duration.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty duration";
            return false;
        }

        var s = text.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            if (bare < 0 || !double.IsFinite(bare))
            {
                error = $"'{text}' is not a duration: must be zero or more";
                return false;
            }

            return FromSeconds(bare, text, out value, out error);
        }

        var total = 0.0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                error = $"'{text}' is not a duration (examples: 500ms, 5s, 1m30s, 2h)";
                return false;
            }

            var unit = new StringBuilder();
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                unit.Append(s[i++]);
            }

            double? seconds = unit.ToString() switch
            {
                "ms" => number / 1000,
                "s" => number,
                "m" => number * 60,
                "h" => number * 3600,
                "d" => number * 86400,
                _ => null,
            };
            if (seconds is null)
            {
                error = unit.Length == 0
                    ? $"'{text}' is missing a unit after {number.ToString(CultureInfo.InvariantCulture)} (ms, s, m, h or d)"
                    : $"'{text}' has an unknown unit '{unit}' (ms, s, m, h or d)";
                return false;
            }

            total += seconds.Value;
        }

        return FromSeconds(total, text, out value, out error);
    }

    private static bool FromSeconds(double seconds, string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = "";
        if (seconds > TimeSpan.FromDays(3650).TotalSeconds)
        {
            error = $"'{text}' is too long (at most 3650 days)";
            return false;
        }

        if (seconds > 0 && seconds < 0.001)
        {
            error = $"'{text}' is shorter than a millisecond";
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);

    /// <summary>Shortest form that reads back the same: <c>1m30s</c>, <c>500ms</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        if (value.TotalDays >= 1 && value.Ticks % TimeSpan.TicksPerDay == 0)
        {
            return $"{(long)value.TotalDays}d";
        }

        if (value.TotalHours >= 1)
        {
            sb.Append((int)value.TotalHours).Append('h');
        }

        if (value.Minutes > 0)
        {
            sb.Append(value.Minutes).Append('m');
        }

        if (value.Seconds > 0 || (value.Milliseconds > 0 && sb.Length > 0))
        {
            if (value.Milliseconds > 0)
            {
                sb.Append((value.Seconds + value.Milliseconds / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)).Append('s');
            }
            else
            {
                sb.Append(value.Seconds).Append('s');
            }
        }
        else if (value.Milliseconds > 0)
        {
            sb.Append(value.Milliseconds).Append("ms");
        }

        return sb.ToString();
    }
}
