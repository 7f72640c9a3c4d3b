using System.Globalization;
using System.Net;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;

namespace Swarm.Ctl.Cli;

/// <summary>
/// The network flags of <c>service create</c> (<c>--network</c>, <c>--endpoint-mode</c>) and of <c>service update</c>
/// (<c>--network-add</c>, <c>--network-rm</c>, <c>--endpoint-mode</c>), and the values of <c>network create</c>.
/// </summary>
public static class NetworkOptions
{
    public static readonly FlagSpec EndpointModeFlag = new("endpoint-mode", null, "MODE", "vip (default: one virtual IP per network) or dnsrr (the name resolves to every task's address)");

    public static readonly FlagSpec[] CreateFlags =
    [
        new("network", null, "NETWORK", "Attach the tasks to a network: NAME[,alias=A...] or name=NAME,alias=A,alias=B", Repeatable: true),
        EndpointModeFlag,
    ];

    public static readonly FlagSpec[] UpdateFlags =
    [
        new("network-add", null, "NETWORK", "Attach to a network: NAME[,alias=A...] or name=NAME,alias=A (replaces the aliases if already attached)", Repeatable: true),
        new("network-rm", null, "NETWORK", "Detach from a network (name or id)", Repeatable: true),
        EndpointModeFlag,
    ];

    /// <summary>The <c>--network</c> values of <c>service create</c> (null when none given).</summary>
    public static IReadOnlyList<NetworkAttachmentSpec>? Networks(ParsedArgs a)
    {
        var list = a.All("network").Select(v => Attachment("network", v)).ToList();
        var twice = list.GroupBy(n => n.Target, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new UsageException($"invalid value for --network: network '{twice.Key}' is given twice");
        }

        return list.Count > 0 ? list : null;
    }

    /// <summary>
    /// <c>NAME</c>, <c>NAME,alias=A,alias=B</c> or the long form <c>name=NAME,alias=A,alias=B</c> (<c>target=</c> is
    /// the same as <c>name=</c>).
    /// </summary>
    public static NetworkAttachmentSpec Attachment(string flag, string value)
    {
        T Bad<T>(string why) => throw new UsageException($"invalid value '{value}' for --{flag}: {why}");

        string? target = null;
        var aliases = new List<string>();
        var fields = value.Split(',', StringSplitOptions.TrimEntries);
        for (var i = 0; i < fields.Length; i++)
        {
            var field = fields[i];
            var eq = field.IndexOf('=');
            if (eq < 0)
            {
                if (i > 0)
                {
                    Bad<int>($"'{field}' is not KEY=VALUE (name=NETWORK, alias=NAME)");
                }

                target = field;
                continue;
            }

            var key = field[..eq].ToLowerInvariant();
            var v = field[(eq + 1)..];
            switch (key)
            {
                case "name" or "target":
                    target = target is null ? v : Bad<string>("the network is named twice");
                    break;
                case "alias":
                    aliases.Add(v.Length > 0 ? v : Bad<string>("alias= needs a name"));
                    break;
                default:
                    Bad<int>($"unknown key '{key}' (name, alias)");
                    break;
            }
        }

        if (string.IsNullOrEmpty(target))
        {
            Bad<int>("a network name is required, e.g. frontend or name=frontend,alias=web");
        }

        return new NetworkAttachmentSpec { Target = target!, Aliases = aliases.Count > 0 ? aliases : null };
    }

    public static string? EndpointMode(ParsedArgs a) => a.Get("endpoint-mode")?.ToLowerInvariant() switch
    {
        null => null,
        "vip" => "vip",
        "dnsrr" => "dnsrr",
        _ => throw new UsageException($"invalid value '{a.Get("endpoint-mode")}' for --endpoint-mode: use vip or dnsrr"),
    };

    /// <summary>The spec of <c>network create</c>.</summary>
    public static NetworkSpec Spec(ParsedArgs a)
    {
        var name = a.Positionals[0];
        var driver = a.Get("driver");
        if (driver is not null && driver.Trim().Length == 0)
        {
            throw new UsageException("invalid value '' for --driver: give a driver, e.g. overlay");
        }

        var subnet = a.Get("subnet");
        if (subnet is not null && !IsIpv4Cidr(subnet))
        {
            throw new UsageException($"invalid value '{subnet}' for --subnet: expected an IPv4 subnet in CIDR form, e.g. 10.1.0.0/24");
        }

        var gateway = a.Get("gateway");
        if (gateway is not null && !IsIpv4(gateway))
        {
            throw new UsageException($"invalid value '{gateway}' for --gateway: expected an IPv4 address, e.g. 10.1.0.1");
        }

        if (gateway is not null && subnet is null)
        {
            throw new UsageException("--gateway needs --subnet (the gateway must be an address of the subnet)");
        }

        var labels = a.Pairs("label", valueRequired: false);
        return new NetworkSpec
        {
            Name = name,
            Driver = driver?.Trim(),
            Subnet = subnet,
            Gateway = gateway,
            Attachable = a.Switch("attachable"),
            Labels = labels.Count > 0 ? labels : null,
        };
    }

    public static bool IsIpv4(string text)
    {
        var parts = text.Split('.');
        return parts.Length == 4
            && parts.All(p => p.Length is >= 1 and <= 3 && int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 255)
            && IPAddress.TryParse(text, out _);
    }

    public static bool IsIpv4Cidr(string text)
    {
        var slash = text.IndexOf('/');
        return slash > 0
            && IsIpv4(text[..slash])
            && int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
            && bits is >= 1 and <= 32;
    }
}

/// <summary>What <c>service update</c> asked to change of a service's networks and endpoint mode.</summary>
public sealed record NetworkChanges
{
    public IReadOnlyList<NetworkAttachmentSpec> Add { get; init; } = [];
    public IReadOnlyList<string> Remove { get; init; } = [];
    public string? EndpointMode { get; init; }

    public bool IsEmpty => Add.Count == 0 && Remove.Count == 0 && EndpointMode is null;

    public static NetworkChanges Parse(ParsedArgs a)
    {
        var remove = new List<string>();
        foreach (var value in a.All("network-rm"))
        {
            remove.Add(string.IsNullOrWhiteSpace(value) ? throw new UsageException("invalid value '' for --network-rm: give a network name or id") : value.Trim());
        }

        var add = a.All("network-add").Select(v => NetworkOptions.Attachment("network-add", v)).ToList();
        if (add.FirstOrDefault(n => remove.Contains(n.Target, StringComparer.Ordinal)) is { } both)
        {
            throw new UsageException($"network '{both.Target}' is given to both --network-add and --network-rm");
        }

        return new NetworkChanges { Add = add, Remove = remove, EndpointMode = NetworkOptions.EndpointMode(a) };
    }

    /// <summary>
    /// <paramref name="current"/> with these changes: removals, then additions (an attachment to a network already
    /// attached replaces it). <paramref name="resolved"/>, the service's networks as the API resolved them, lets a
    /// network be removed by its name or id whichever way it was attached.
    /// </summary>
    public ServiceSpec Apply(ServiceSpec current, IReadOnlyList<ServiceNetworkView>? resolved = null)
    {
        if (IsEmpty)
        {
            return current;
        }

        bool Same(string target, string reference)
        {
            if (target == reference)
            {
                return true;
            }

            var view = resolved?.FirstOrDefault(v => v.Target == target);
            return view is not null && (view.NetworkName == reference || (view.NetworkId is { } id && (id.ToString() == reference || id.ToString("N") == reference)));
        }

        var networks = (current.Networks ?? []).Where(n => !Remove.Any(r => Same(n.Target, r))).ToList();
        foreach (var add in Add)
        {
            var at = networks.FindIndex(n => Same(n.Target, add.Target));
            if (at >= 0)
            {
                networks[at] = add;
            }
            else
            {
                networks.Add(add);
            }
        }

        return current with
        {
            Networks = networks.Count > 0 ? networks : null,
            EndpointMode = EndpointMode ?? current.EndpointMode,
        };
    }
}
