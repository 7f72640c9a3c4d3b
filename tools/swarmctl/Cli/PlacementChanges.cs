using System.Globalization;
using System.Text.RegularExpressions;
using Swarm.Contracts.Model;

namespace Swarm.Ctl.Cli;

/// <summary>
/// The placement, resource and port flags of <c>service update</c>: changes to the current values
/// (<c>--constraint-add</c>/<c>-rm</c>, <c>--placement-pref-add</c>/<c>-rm</c>, <c>--platform-add</c>/<c>-rm</c>,
/// <c>--generic-resource-add</c>/<c>-rm</c>, <c>--publish-add</c>/<c>-rm</c>) and new values
/// (<c>--replicas-max-per-node</c>, <c>--reserve-*</c>, <c>--limit-*</c>).
/// </summary>
public sealed partial record PlacementChanges
{
    public static readonly FlagSpec[] Flags =
    [
        new("constraint-add", null, "EXPR", "Add a placement constraint, e.g. node.labels.zone==east", Repeatable: true),
        new("constraint-rm", null, "EXPR", "Remove a placement constraint (written as it was added)", Repeatable: true),
        new("placement-pref-add", null, "PREF", "Add a spread preference, e.g. spread=node.labels.rack (after the current ones)", Repeatable: true),
        new("placement-pref-rm", null, "PREF", "Remove a spread preference, e.g. spread=node.labels.rack", Repeatable: true),
        new("platform-add", null, "OS/ARCH", "Add a platform the tasks can run on, e.g. linux/arm64", Repeatable: true),
        new("platform-rm", null, "OS/ARCH", "Remove a platform", Repeatable: true),
        new("replicas-max-per-node", null, "N", "At most N tasks of the service on one node (0 = no limit)"),
        new("reserve-cpu", null, "CPUS", "CPUs reserved for each task, e.g. 1.5 (0 = none)"),
        new("reserve-memory", null, "BYTES", "Memory reserved for each task, e.g. 512M (0 = none)"),
        new("generic-resource-add", null, "NAME=COUNT", "Reserve a named resource for each task, e.g. gpu=2", Repeatable: true),
        new("generic-resource-rm", null, "NAME", "Stop reserving a named resource", Repeatable: true),
        new("limit-cpu", null, "CPUS", "CPUs each task may use (0 = no limit)"),
        new("limit-memory", null, "BYTES", "Memory each task may use (0 = no limit)"),
        new("publish-add", null, "SPEC", "Publish a port: 8080:80, 8080:80/udp, 80, or published=8080,target=80[,protocol=tcp|udp][,mode=ingress|host]", Repeatable: true),
        new("publish-rm", null, "TARGET[/PROTOCOL]", "Stop publishing the ports of a target port, e.g. 80 or 53/udp", Repeatable: true),
    ];

    public IReadOnlyList<string> ConstraintAdd { get; init; } = [];
    public IReadOnlyList<string> ConstraintRemove { get; init; } = [];
    public IReadOnlyList<PlacementPreferenceSpec> PreferenceAdd { get; init; } = [];
    public IReadOnlyList<PlacementPreferenceSpec> PreferenceRemove { get; init; } = [];
    public IReadOnlyList<PlatformSpec> PlatformAdd { get; init; } = [];
    public IReadOnlyList<PlatformSpec> PlatformRemove { get; init; } = [];
    public int? MaxReplicasPerNode { get; init; }
    public long? ReserveNanoCpus { get; init; }
    public long? ReserveMemoryBytes { get; init; }
    public IReadOnlyDictionary<string, long> GenericAdd { get; init; } = new Dictionary<string, long>();
    public IReadOnlyList<string> GenericRemove { get; init; } = [];
    public long? LimitNanoCpus { get; init; }
    public long? LimitMemoryBytes { get; init; }
    public IReadOnlyList<PortSpec> PublishAdd { get; init; } = [];
    public IReadOnlyList<(int Target, string? Protocol)> PublishRemove { get; init; } = [];

    public bool ChangesPlacement =>
        ConstraintAdd.Count > 0 || ConstraintRemove.Count > 0 || PreferenceAdd.Count > 0 || PreferenceRemove.Count > 0
        || PlatformAdd.Count > 0 || PlatformRemove.Count > 0 || MaxReplicasPerNode is not null;

    public bool ChangesResources =>
        ReserveNanoCpus is not null || ReserveMemoryBytes is not null || GenericAdd.Count > 0 || GenericRemove.Count > 0
        || LimitNanoCpus is not null || LimitMemoryBytes is not null;

    public bool ChangesPorts => PublishAdd.Count > 0 || PublishRemove.Count > 0;

    public bool IsEmpty => !ChangesPlacement && !ChangesResources && !ChangesPorts;

    public static PlacementChanges Parse(ParsedArgs a)
    {
        var genericAdd = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var item in a.All("generic-resource-add"))
        {
            var eq = item.IndexOf('=');
            if (eq <= 0 || !long.TryParse(item[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                throw new UsageException($"invalid value '{item}' for --generic-resource-add: expected NAME=COUNT, e.g. gpu=2");
            }

            genericAdd[item[..eq]] = count;
        }

        return new PlacementChanges
        {
            ConstraintAdd = a.All("constraint-add").Select(c => NonEmpty("constraint-add", c)).ToList(),
            ConstraintRemove = a.All("constraint-rm").Select(c => NonEmpty("constraint-rm", c)).ToList(),
            PreferenceAdd = a.All("placement-pref-add").Select(p => Renamed(() => PlacementOptions.Preference(p), "placement-pref", "placement-pref-add")).ToList(),
            PreferenceRemove = a.All("placement-pref-rm").Select(p => Renamed(() => PlacementOptions.Preference(p), "placement-pref", "placement-pref-rm")).ToList(),
            PlatformAdd = a.All("platform-add").Select(p => Renamed(() => PlacementOptions.Platform(p), "platform", "platform-add")).ToList(),
            PlatformRemove = a.All("platform-rm").Select(p => Renamed(() => PlacementOptions.Platform(p), "platform", "platform-rm")).ToList(),
            MaxReplicasPerNode = a.Int("replicas-max-per-node", min: 0),
            ReserveNanoCpus = a.Get("reserve-cpu") is { } rc ? PlacementOptions.Cpus("reserve-cpu", rc) : null,
            ReserveMemoryBytes = a.Get("reserve-memory") is { } rm ? PlacementOptions.Bytes("reserve-memory", rm) : null,
            GenericAdd = genericAdd,
            GenericRemove = a.All("generic-resource-rm").Select(g => NonEmpty("generic-resource-rm", g)).ToList(),
            LimitNanoCpus = a.Get("limit-cpu") is { } lc ? PlacementOptions.Cpus("limit-cpu", lc) : null,
            LimitMemoryBytes = a.Get("limit-memory") is { } lm ? PlacementOptions.Bytes("limit-memory", lm) : null,
            PublishAdd = a.All("publish-add").Select(p => Renamed(() => PlacementOptions.Port(p), "publish", "publish-add")).ToList(),
            PublishRemove = a.All("publish-rm").Select(PortToRemove).ToList(),
        };
    }

    /// <summary>
    /// <paramref name="current"/> with these changes: removals first, then additions; values not
    /// mentioned keep what they were. Empty sections become null.
    /// </summary>
    public ServiceSpec Apply(ServiceSpec current)
    {
        var spec = current;
        if (ChangesPlacement)
        {
            var now = current.Placement ?? new PlacementSpec();
            var constraints = (now.Constraints ?? []).Where(c => !ConstraintRemove.Any(r => SameConstraint(c, r))).ToList();
            constraints.AddRange(ConstraintAdd.Where(c => !constraints.Any(x => SameConstraint(x, c))));
            var prefs = (now.Preferences ?? []).Where(p => !PreferenceRemove.Any(r => SamePreference(p, r))).ToList();
            prefs.AddRange(PreferenceAdd.Where(p => !prefs.Any(x => SamePreference(x, p))));
            var platforms = (now.Platforms ?? []).Where(p => !PlatformRemove.Any(r => SamePlatform(p, r))).ToList();
            platforms.AddRange(PlatformAdd.Where(p => !platforms.Any(x => SamePlatform(x, p))));
            var placement = now with
            {
                Constraints = constraints.Count > 0 ? constraints : null,
                Preferences = prefs.Count > 0 ? prefs : null,
                Platforms = platforms.Count > 0 ? platforms : null,
                MaxReplicasPerNode = MaxReplicasPerNode ?? now.MaxReplicasPerNode,
            };
            spec = spec with { Placement = placement == new PlacementSpec() ? null : placement };
        }

        if (ChangesResources)
        {
            var now = current.Resources ?? new ResourcesSpec();
            var reserved = now.Reservations ?? new ResourceAmounts();
            var generic = new Dictionary<string, long>(reserved.Generic ?? new Dictionary<string, long>(), StringComparer.Ordinal);
            foreach (var name in GenericRemove)
            {
                generic.Remove(name);
            }

            foreach (var (name, count) in GenericAdd)
            {
                generic[name] = count;
            }

            var reservations = reserved with
            {
                NanoCpus = ReserveNanoCpus ?? reserved.NanoCpus,
                MemoryBytes = ReserveMemoryBytes ?? reserved.MemoryBytes,
                Generic = generic.Count > 0 ? generic : null,
            };
            var limited = now.Limits ?? new ResourceAmounts();
            var limits = limited with
            {
                NanoCpus = LimitNanoCpus ?? limited.NanoCpus,
                MemoryBytes = LimitMemoryBytes ?? limited.MemoryBytes,
            };
            var resources = new ResourcesSpec
            {
                Reservations = NoAmounts(reservations) ? null : reservations,
                Limits = NoAmounts(limits) ? null : limits,
            };
            spec = spec with { Resources = resources.Reservations is null && resources.Limits is null ? null : resources };
        }

        if (ChangesPorts)
        {
            var ports = (current.Ports ?? [])
                .Where(p => !PublishRemove.Any(r => r.Target == p.TargetPort && (r.Protocol is null || r.Protocol == Protocol(p))))
                .ToList();
            foreach (var port in PublishAdd)
            {
                ports.RemoveAll(p => p == port || (port.PublishedPort is { } published && p.PublishedPort == published && Protocol(p) == Protocol(port)));
                ports.Add(port);
            }

            spec = spec with { Ports = ports.Count > 0 ? ports : null };
        }

        return spec;
    }

    private static bool NoAmounts(ResourceAmounts amounts) =>
        amounts.NanoCpus is null or 0 && amounts.MemoryBytes is null or 0 && amounts.Generic is null or { Count: 0 };

    private static string Protocol(PortSpec port) => string.IsNullOrEmpty(port.Protocol) ? "tcp" : port.Protocol.ToLowerInvariant();

    /// <summary>Constraints compare without white space and ignoring case: <c>node.role == manager</c> is <c>node.role==Manager</c>.</summary>
    public static bool SameConstraint(string a, string b) =>
        string.Equals(WhiteSpace().Replace(a, ""), WhiteSpace().Replace(b, ""), StringComparison.OrdinalIgnoreCase);

    private static bool SamePreference(PlacementPreferenceSpec a, PlacementPreferenceSpec b) =>
        string.Equals(a.Spread.Trim(), b.Spread.Trim(), StringComparison.OrdinalIgnoreCase);

    private static bool SamePlatform(PlatformSpec a, PlatformSpec b) =>
        string.Equals(a.Os ?? "", b.Os ?? "", StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Architecture ?? "", b.Architecture ?? "", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    private static string NonEmpty(string flag, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new UsageException($"invalid value '' for --{flag}: must not be empty") : value.Trim();

    /// <summary>Runs a parser of a create flag, naming the update flag in its error.</summary>
    private static T Renamed<T>(Func<T> parse, string createFlag, string updateFlag)
    {
        try
        {
            return parse();
        }
        catch (UsageException ex)
        {
            throw new UsageException(ex.Message.Replace($"--{createFlag}:", $"--{updateFlag}:", StringComparison.Ordinal));
        }
    }

    private static (int Target, string? Protocol) PortToRemove(string value)
    {
        var slash = value.IndexOf('/');
        var port = slash >= 0 ? value[..slash] : value;
        var protocol = slash >= 0 ? value[(slash + 1)..].ToLowerInvariant() : null;
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var target) || target is < 1 or > 65535
            || protocol is not (null or "tcp" or "udp" or "sctp"))
        {
            throw new UsageException($"invalid value '{value}' for --publish-rm: expected a target port, e.g. 80 or 53/udp");
        }

        return (target, protocol);
    }
}
