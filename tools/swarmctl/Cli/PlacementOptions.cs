using System.Globalization;
using Swarm.Contracts.Model;

namespace Swarm.Ctl.Cli;

/// <summary>
/// The placement, resource and port flags of <c>service create</c>: <c>--constraint</c>,
/// <c>--placement-pref</c>, <c>--replicas-max-per-node</c>, <c>--platform</c>, <c>--reserve-*</c>,
/// <c>--limit-*</c>, <c>--generic-resource</c> and <c>--publish</c>.
/// </summary>
public static class PlacementOptions
{
    public static readonly FlagSpec[] Flags =
    [
        new("constraint", null, "EXPR", "Placement constraint, e.g. node.labels.zone==east or node.role!=manager", Repeatable: true),
        new("placement-pref", null, "PREF", "Spread tasks over a label's values, e.g. spread=node.labels.zone (outermost first)", Repeatable: true),
        new("replicas-max-per-node", null, "N", "At most N tasks of the service on one node (0 = no limit)"),
        new("platform", null, "OS/ARCH", "Platform the tasks can run on, e.g. linux/amd64 (repeat for several)", Repeatable: true),
        new("reserve-cpu", null, "CPUS", "CPUs reserved for each task, e.g. 1.5"),
        new("reserve-memory", null, "BYTES", "Memory reserved for each task, e.g. 512M or 2G"),
        new("generic-resource", null, "NAME=COUNT", "Named resource reserved for each task, e.g. gpu=2", Repeatable: true),
        new("limit-cpu", null, "CPUS", "CPUs each task may use"),
        new("limit-memory", null, "BYTES", "Memory each task may use"),
        new("publish", "p", "SPEC", "Publish a port: 8080:80, 8080:80/udp, 80 (a port from 30000-32767), or published=8080,target=80[,protocol=tcp|udp][,mode=ingress|host]", Repeatable: true),
    ];

    public static PlacementSpec? Placement(ParsedArgs a)
    {
        var constraints = a.All("constraint").ToList();
        var prefs = a.All("placement-pref").Select(Preference).ToList();
        var max = a.Int("replicas-max-per-node", min: 0);
        var platforms = a.All("platform").Select(Platform).ToList();
        return constraints.Count == 0 && prefs.Count == 0 && max is null && platforms.Count == 0
            ? null
            : new PlacementSpec
            {
                Constraints = constraints.Count > 0 ? constraints : null,
                Preferences = prefs.Count > 0 ? prefs : null,
                MaxReplicasPerNode = max,
                Platforms = platforms.Count > 0 ? platforms : null,
            };
    }

    public static ResourcesSpec? Resources(ParsedArgs a)
    {
        var generic = new Dictionary<string, long>();
        foreach (var item in a.All("generic-resource"))
        {
            var eq = item.IndexOf('=');
            if (eq <= 0 || !long.TryParse(item[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                throw new UsageException($"invalid value '{item}' for --generic-resource: expected NAME=COUNT, e.g. gpu=2");
            }

            generic[item[..eq]] = count;
        }

        var reservations = Amounts(a, "reserve-cpu", "reserve-memory", generic);
        var limits = Amounts(a, "limit-cpu", "limit-memory", []);
        return reservations is null && limits is null ? null : new ResourcesSpec { Reservations = reservations, Limits = limits };
    }

    public static IReadOnlyList<PortSpec>? Ports(ParsedArgs a)
    {
        var ports = a.All("publish").Select(Port).ToList();
        return ports.Count > 0 ? ports : null;
    }

    private static ResourceAmounts? Amounts(ParsedArgs a, string cpuFlag, string memoryFlag, Dictionary<string, long> generic)
    {
        var cpu = a.Get(cpuFlag) is { } c ? Cpus(cpuFlag, c) : (long?)null;
        var memory = a.Get(memoryFlag) is { } m ? Bytes(memoryFlag, m) : (long?)null;
        return cpu is null && memory is null && generic.Count == 0
            ? null
            : new ResourceAmounts { NanoCpus = cpu, MemoryBytes = memory, Generic = generic.Count > 0 ? generic : null };
    }

    /// <summary>CPUs as a decimal number (<c>1.5</c>) in billionths of a core.</summary>
    public static long Cpus(string flag, string value) =>
        decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpus) && cpus <= 1_000_000
            ? (long)(cpus * 1_000_000_000m)
            : throw new UsageException($"invalid value '{value}' for --{flag}: expected a number of CPUs, e.g. 1.5");

    /// <summary>Bytes with an optional binary suffix: <c>512M</c>, <c>2g</c>, <c>1024k</c>, <c>1GiB</c>, <c>100</c>.</summary>
    public static long Bytes(string flag, string value)
    {
        var match = System.Text.RegularExpressions.Regex.Match(value.Trim().ToLowerInvariant(), @"^(\d+(?:\.\d+)?)([kmgt]?)(?:i?b)?$");
        if (match.Success && decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            var multiplier = match.Groups[2].Value switch { "k" => 1L << 10, "m" => 1L << 20, "g" => 1L << 30, "t" => 1L << 40, _ => 1L };
            if (amount * multiplier <= long.MaxValue)
            {
                return (long)(amount * multiplier);
            }
        }

        throw new UsageException($"invalid value '{value}' for --{flag}: expected bytes, e.g. 512M or 2G");
    }

    public static PlacementPreferenceSpec Preference(string value)
    {
        var eq = value.IndexOf('=');
        if (eq <= 0 || !value[..eq].Trim().Equals("spread", StringComparison.OrdinalIgnoreCase) || value[(eq + 1)..].Trim().Length == 0)
        {
            throw new UsageException($"invalid value '{value}' for --placement-pref: expected spread=LABEL, e.g. spread=node.labels.zone");
        }

        return new PlacementPreferenceSpec { Spread = value[(eq + 1)..].Trim() };
    }

    public static PlatformSpec Platform(string value)
    {
        var parts = value.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length is < 1 or > 2 || parts.Any(p => p.Length == 0))
        {
            throw new UsageException($"invalid value '{value}' for --platform: expected OS/ARCH or OS, e.g. linux/amd64");
        }

        return new PlatformSpec { Os = parts[0], Architecture = parts.Length == 2 ? parts[1] : null };
    }

    public static PortSpec Port(string value)
    {
        T Bad<T>(string why) => throw new UsageException($"invalid value '{value}' for --publish: {why}");

        int Number(string text) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 65535 ? n : throw new UsageException($"invalid value '{value}' for --publish: '{text}' is not a port (1-65535)");

        if (!value.Contains('='))
        {
            // short form PUBLISHED:TARGET[/PROTOCOL]
            var slash = value.IndexOf('/');
            var protocol = slash >= 0 ? value[(slash + 1)..].ToLowerInvariant() : null;
            if (protocol is not (null or "tcp" or "udp" or "sctp"))
            {
                return Bad<PortSpec>($"'{value[(slash + 1)..]}' is not a protocol (tcp, udp, sctp)");
            }

            var ports = (slash >= 0 ? value[..slash] : value).Split(':');
            return ports.Length switch
            {
                1 => new PortSpec { TargetPort = Number(ports[0]), Protocol = protocol },
                2 => new PortSpec { PublishedPort = Number(ports[0]), TargetPort = Number(ports[1]), Protocol = protocol },
                _ => Bad<PortSpec>("expected PUBLISHED:TARGET or published=P,target=T[,protocol=tcp|udp][,mode=ingress|host]"),
            };
        }

        int? published = null;
        int? target = null;
        string? proto = null;
        string? mode = null;
        foreach (var field in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = field.IndexOf('=');
            var key = eq > 0 ? field[..eq].ToLowerInvariant() : Bad<string>($"'{field}' is not KEY=VALUE");
            var v = field[(eq + 1)..];
            switch (key)
            {
                case "published":
                    published = Number(v);
                    break;
                case "target":
                    target = Number(v);
                    break;
                case "protocol":
                    proto = v.ToLowerInvariant() is "tcp" or "udp" or "sctp" ? v.ToLowerInvariant() : Bad<string>($"'{v}' is not a protocol (tcp, udp, sctp)");
                    break;
                case "mode":
                    mode = v.ToLowerInvariant() is "ingress" or "host" ? v.ToLowerInvariant() : Bad<string>($"'{v}' is not a publish mode (ingress, host)");
                    break;
                default:
                    Bad<int>($"unknown key '{key}' (published, target, protocol, mode)");
                    break;
            }
        }

        return new PortSpec
        {
            TargetPort = target ?? Bad<int>("target=PORT is required"),
            PublishedPort = published,
            Protocol = proto,
            Mode = mode,
        };
    }
}
