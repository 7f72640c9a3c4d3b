using Swarm.Contracts.Model;
using Swarm.Domain.Scheduling;
using Swarm.Domain.Services;

namespace Swarm.Domain.Networks;

/// <summary>
/// What a service's spec asks of the allocator: the networks its tasks attach to, whether its endpoint
/// (virtual IPs, published port numbers) is current for the spec, and its ports with numbers resolved.
/// </summary>
public static class ServiceEndpointPlan
{
    /// <summary>SwarmKit's range for ingress ports published without a number.</summary>
    public const int IngressPortFirst = 30000;
    public const int IngressPortLast = 32767;

    public static bool PublishesIngress(ServiceSpec spec) => spec.Ports?.Any(ServiceSpecValidator.IsIngress) == true;

    public static bool UsesVip(ServiceSpec spec) => (spec.EndpointMode ?? ServiceSpecValidator.Vip) == ServiceSpecValidator.Vip;

    /// <summary>
    /// The networks a task of <paramref name="spec"/> attaches to, in order: <c>ingress</c> first when the
    /// service publishes an ingress-mode port (as SwarmKit does), then the spec's networks resolved among
    /// <paramref name="live"/>, with their aliases. Targets that name no live network are in <paramref name="missing"/>.
    /// </summary>
    public static IReadOnlyList<(Network Network, IReadOnlyList<string> Aliases)> Attachments(ServiceSpec spec, IReadOnlyCollection<Network> live, out IReadOnlyList<string> missing)
    {
        var result = new List<(Network, IReadOnlyList<string>)>();
        var absent = new List<string>();
        var seen = new HashSet<Guid>();
        foreach (var attachment in spec.Networks ?? [])
        {
            if (NetworkDecisions.Resolve(attachment.Target, live) is not { } network)
            {
                absent.Add(attachment.Target);
            }
            else if (seen.Add(network.Id))
            {
                result.Add((network, attachment.Aliases ?? []));
            }
        }

        if (PublishesIngress(spec) && live.FirstOrDefault(n => n.Ingress) is { } ingress && seen.Add(ingress.Id))
        {
            result.Insert(0, (ingress, []));
        }

        missing = absent;
        return result;
    }

    /// <summary>
    /// Whether <paramref name="endpoint"/> is what the spec asks for: a VIP on each of <paramref name="networkIds"/>
    /// (none in endpoint mode dnsrr), and the spec's ports, each with its number when it gave one.
    /// </summary>
    public static bool IsCurrent(ServiceEndpoint? endpoint, ServiceSpec spec, IReadOnlyList<Guid> networkIds)
    {
        if (endpoint is null)
        {
            return false;
        }

        var wanted = UsesVip(spec) ? networkIds.ToHashSet() : [];
        if (!wanted.SetEquals(endpoint.VirtualIps.Select(v => v.NetworkId)) || endpoint.VirtualIps.Count != wanted.Count)
        {
            return false;
        }

        var ports = spec.Ports ?? [];
        if (ports.Count != endpoint.Ports.Count)
        {
            return false;
        }

        for (var i = 0; i < ports.Count; i++)
        {
            if (!SamePort(ports[i], endpoint.Ports[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The spec's ports with every ingress port given a number: its own, the one <paramref name="previous"/>
    /// gave the same port, or a free one from <paramref name="allocate"/> (null when the range is full: left without).
    /// </summary>
    public static IReadOnlyList<PortSpec> ResolvePorts(ServiceSpec spec, IReadOnlyList<PortSpec>? previous, Func<string, int?> allocate)
    {
        var result = new List<PortSpec>();
        var reused = new HashSet<int>();
        foreach (var port in spec.Ports ?? [])
        {
            var protocol = HostPorts.Protocol(port);
            var resolved = port with { Protocol = protocol, Mode = ServiceSpecValidator.IsIngress(port) ? "ingress" : "host" };
            if (port.PublishedPort is null && ServiceSpecValidator.IsIngress(port))
            {
                var before = (previous ?? []).FirstOrDefault(p => p.TargetPort == port.TargetPort && HostPorts.Protocol(p) == protocol
                    && ServiceSpecValidator.IsIngress(p) && p.PublishedPort is { } n && !reused.Contains(n)
                    && !(spec.Ports ?? []).Any(o => o.PublishedPort == n && HostPorts.Protocol(o) == protocol));
                var number = before?.PublishedPort ?? allocate(protocol);
                if (number is { } given)
                {
                    reused.Add(given);
                }

                resolved = resolved with { PublishedPort = number };
            }

            result.Add(resolved);
        }

        return result;
    }

    /// <summary>A task's ports as the endpoint resolved them (the task's spec may be older than the service's).</summary>
    public static IReadOnlyList<PortSpec>? TaskPorts(ServiceSpec taskSpec, ServiceEndpoint? endpoint)
    {
        if (taskSpec.Ports is not { Count: > 0 } ports)
        {
            return null;
        }

        var pool = (endpoint?.Ports ?? []).ToList();
        var result = new List<PortSpec>();
        foreach (var port in ports)
        {
            var match = pool.FirstOrDefault(p => SamePort(port, p));
            if (match is not null)
            {
                pool.Remove(match);
                result.Add(match);
            }
            else
            {
                result.Add(port with { Protocol = HostPorts.Protocol(port), Mode = ServiceSpecValidator.IsIngress(port) ? "ingress" : "host" });
            }
        }

        return result;
    }

    /// <summary>Whether <paramref name="resolved"/> is <paramref name="asked"/> with, at most, its number filled in.</summary>
    private static bool SamePort(PortSpec asked, PortSpec resolved) =>
        asked.TargetPort == resolved.TargetPort
        && HostPorts.Protocol(asked) == HostPorts.Protocol(resolved)
        && ServiceSpecValidator.IsIngress(asked) == ServiceSpecValidator.IsIngress(resolved)
        && (asked.PublishedPort is null ? resolved.PublishedPort is not null || !ServiceSpecValidator.IsIngress(asked) : asked.PublishedPort == resolved.PublishedPort);

    /// <summary>The lowest number of the ingress range not in <paramref name="taken"/>, from <paramref name="from"/> wrapping; null when full.</summary>
    public static int? NextFreeIngressPort(Func<int, bool> taken, int from = IngressPortFirst)
    {
        var candidate = from is < IngressPortFirst or > IngressPortLast ? IngressPortFirst : from;
        for (var i = 0; i <= IngressPortLast - IngressPortFirst; i++)
        {
            if (!taken(candidate))
            {
                return candidate;
            }

            candidate = candidate == IngressPortLast ? IngressPortFirst : candidate + 1;
        }

        return null;
    }
}
