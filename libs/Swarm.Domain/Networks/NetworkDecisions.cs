using System.Text.RegularExpressions;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.Domain.Networks;

/// <summary>
/// Pure decisions on networks (<c>network create</c>, <c>network rm</c>): each takes the cluster as the
/// log has it and returns the event to append or a rejection naming the field at fault.
/// </summary>
public static partial class NetworkDecisions
{
    public const string OverlayDriver = "overlay";

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
    private static partial Regex NamePattern();

    /// <summary>
    /// Creates network <paramref name="networkId"/> from <paramref name="spec"/>. <paramref name="live"/> are
    /// the networks not removed: the name must be free among them and the subnet must overlap none of theirs;
    /// without a subnet, the next free /24 of the cluster pool is taken. A create whose network already
    /// exists under that id with that name was already done.
    /// </summary>
    /// <summary>Whether <paramref name="name"/> is a valid network name (as Docker names them: up to 63 characters).</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    public static Decision Create(Network? current, Guid networkId, NetworkSpec? spec, IReadOnlyCollection<Network> live, DateTimeOffset now)
    {
        if (spec is null)
        {
            return Decision.Invalid("spec", "is required");
        }

        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            return Decision.Invalid("spec.name", "is required");
        }

        if (!NamePattern().IsMatch(spec.Name))
        {
            return Decision.Invalid("spec.name", $"'{Shorten(spec.Name)}' is not a valid network name: use up to 63 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }

        if (current is not null)
        {
            return current.Name == spec.Name && !current.Removed
                ? Decision.Unchanged
                : Decision.Conflict("spec.name", $"network id {networkId} is already used");
        }

        var driver = string.IsNullOrEmpty(spec.Driver) ? OverlayDriver : spec.Driver;
        if (driver != OverlayDriver)
        {
            return Decision.Invalid("spec.driver", $"'{Shorten(driver)}' is not a supported driver: only '{OverlayDriver}' (a bridge network on a single Docker engine)");
        }

        if (spec.Labels is { } labels)
        {
            if (labels.Count > ServiceSpecValidator.MaxEntries)
            {
                return Decision.Invalid("spec.labels", $"must have at most {ServiceSpecValidator.MaxEntries} entries, got {labels.Count}");
            }

            foreach (var (key, value) in labels)
            {
                if (string.IsNullOrWhiteSpace(key))
                {
                    return Decision.Invalid("spec.labels", "label names must not be empty");
                }

                if (key.Length > ServiceSpecValidator.MaxKeyLength)
                {
                    return Decision.Invalid("spec.labels", $"names must be at most {ServiceSpecValidator.MaxKeyLength} characters, '{Shorten(key)}' has {key.Length}");
                }

                if (value is null || value.Length > ServiceSpecValidator.MaxValueLength)
                {
                    return Decision.Invalid($"spec.labels.{key}", value is null ? "must be a string, got null" : $"must be at most {ServiceSpecValidator.MaxValueLength} characters, got {value.Length}");
                }
            }
        }

        Subnet subnet;
        if (!string.IsNullOrEmpty(spec.Subnet))
        {
            if (AddressPool.TryParseSubnet(spec.Subnet) is not { } parsed)
            {
                return Decision.Invalid("spec.subnet", $"'{Shorten(spec.Subnet)}' is not an IPv4 subnet in CIDR form with a prefix between /{AddressPool.MinPrefix} and /{AddressPool.MaxPrefix} (e.g. 10.1.0.0/24)");
            }

            subnet = parsed;
        }
        else
        {
            subnet = default;
        }

        uint? gateway = null;
        if (!string.IsNullOrEmpty(spec.Gateway))
        {
            if (string.IsNullOrEmpty(spec.Subnet))
            {
                return Decision.Invalid("spec.gateway", "can only be given with a subnet");
            }

            if (AddressPool.TryParseAddress(spec.Gateway) is not { } g)
            {
                return Decision.Invalid("spec.gateway", $"'{Shorten(spec.Gateway)}' is not an IPv4 address");
            }

            if (g < subnet.FirstHost || g > subnet.LastHost)
            {
                return Decision.Invalid("spec.gateway", $"{spec.Gateway} is not a host address of the subnet {subnet}");
            }

            gateway = g;
        }

        if (live.FirstOrDefault(n => n.Name == spec.Name) is { } sameName)
        {
            return Decision.Conflict("spec.name", $"a network named '{spec.Name}' already exists ({sameName.Id})");
        }

        var taken = live.Select(n => (Network: n, Subnet: AddressPool.TryParseSubnet(n.Subnet))).Where(x => x.Subnet is not null).ToList();
        if (string.IsNullOrEmpty(spec.Subnet))
        {
            if (AddressPool.NextFreeSubnet(taken.Select(x => x.Subnet!.Value)) is not { } free)
            {
                return Decision.Conflict("spec.subnet", $"the address pool {AddressPool.ClusterPool} has no free /{AddressPool.PoolSubnetPrefix} left: give a subnet");
            }

            subnet = free;
        }
        else if (taken.FirstOrDefault(x => x.Subnet!.Value.Overlaps(subnet)) is { Network: { } overlapping })
        {
            return Decision.Conflict("spec.subnet", $"{subnet} overlaps the subnet {overlapping.Subnet} of network '{overlapping.Name}'");
        }

        return Decision.Append(new NetworkCreated
        {
            NetworkId = networkId,
            Name = spec.Name,
            Driver = driver,
            Subnet = subnet.ToString(),
            Gateway = AddressPool.ToText(gateway ?? subnet.FirstHost),
            Attachable = spec.Attachable,
            Ingress = false,
            Labels = spec.Labels is { Count: > 0 } ? new Dictionary<string, string>(spec.Labels) : null,
            At = now,
        });
    }

    /// <summary>
    /// Removes <paramref name="current"/> (looked up by <paramref name="reference"/>). Refused while a live
    /// service attaches it (<paramref name="usedBy"/>, named in the reason), and always for the ingress network.
    /// </summary>
    public static Decision Remove(Network? current, string reference, IReadOnlyCollection<string> usedBy, DateTimeOffset now)
    {
        if (current is not { Removed: false })
        {
            return Decision.NotFound("network", $"no network '{Shorten(reference)}'");
        }

        if (current.Ingress)
        {
            return Decision.Conflict("network",
                $"'{current.Name}' is the cluster's ingress network (the routing mesh of published ports): it cannot be removed here (Docker allows it when no service publishes a port; this cluster keeps it)");
        }

        if (usedBy.Count > 0)
        {
            var names = usedBy.Order(StringComparer.Ordinal).ToList();
            return Decision.Conflict("network",
                $"network '{current.Name}' is in use by service{(names.Count > 1 ? "s" : "")} {string.Join(", ", names.Take(20).Select(n => $"'{n}'"))}{(names.Count > 20 ? $" and {names.Count - 20} more" : "")}");
        }

        return Decision.Append(new NetworkRemoved { NetworkId = current.Id, Name = current.Name, At = now });
    }

    /// <summary>Whether <paramref name="target"/> (as a service spec names a network: name or full id) is <paramref name="network"/>.</summary>
    public static bool Names(string target, Network network) =>
        target == network.Name || (Guid.TryParse(target, out var id) && id == network.Id);

    /// <summary>The live network <paramref name="target"/> names: by name first, then by full id.</summary>
    public static Network? Resolve(string target, IEnumerable<Network> live)
    {
        var list = live as IReadOnlyCollection<Network> ?? live.ToList();
        return list.FirstOrDefault(n => n.Name == target) ?? (Guid.TryParse(target, out var id) ? list.FirstOrDefault(n => n.Id == id) : null);
    }

    private static string? Shorten(string? value) => value is { Length: > 64 } ? value[..61] + "..." : value;
}
