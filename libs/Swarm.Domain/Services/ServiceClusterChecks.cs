using Swarm.Contracts.Model;
using Swarm.Domain.Networks;
using Swarm.Domain.Scheduling;

namespace Swarm.Domain.Services;

/// <summary>
/// The checks of a service spec that need the cluster (made on create and update, before anything is
/// written): every attached network exists, and no published port is held by another service.
/// </summary>
public static class ServiceClusterChecks
{
    /// <param name="spec">The spec as it would be stored (validated).</param>
    /// <param name="self">The service being updated (its own ports are not in the way); null on create.</param>
    /// <param name="networks">The networks not removed.</param>
    /// <param name="services">The services not removed (<paramref name="self"/> may be among them).</param>
    public static Rejection? Check(ServiceSpec spec, Guid? self, IReadOnlyCollection<Network> networks, IReadOnlyCollection<Service> services)
    {
        if (spec.Networks is { } attachments)
        {
            var seen = new Dictionary<Guid, int>();
            for (var i = 0; i < attachments.Count; i++)
            {
                var field = $"spec.networks[{i}].target";
                if (NetworkDecisions.Resolve(attachments[i].Target, networks) is not { } network)
                {
                    return new(Rejection.NotFound, new(field, $"no network '{attachments[i].Target}'"));
                }

                if (network.Ingress)
                {
                    return new(Rejection.Invalid, new(field, $"'{network.Name}' is the ingress network: a service is attached to it by publishing a port in ingress mode, not by naming it"));
                }

                if (!seen.TryAdd(network.Id, i))
                {
                    return new(Rejection.Invalid, new(field, $"network '{network.Name}' is already attached by spec.networks[{seen[network.Id]}]"));
                }
            }
        }

        if (spec.Ports is not { Count: > 0 } ports)
        {
            return null;
        }

        // every published port another live service holds: in its spec, or given by the allocator
        var held = new Dictionary<(string Protocol, int Port), (string Service, bool Ingress)>();
        foreach (var other in services)
        {
            if (other.Removed || other.Id == self)
            {
                continue;
            }

            foreach (var port in (other.Spec.Ports ?? []).Concat(other.Endpoint?.Ports ?? []))
            {
                if (port.PublishedPort is { } number)
                {
                    var key = (HostPorts.Protocol(port), number);
                    var ingress = ServiceSpecValidator.IsIngress(port);
                    if (!held.TryGetValue(key, out var existing) || (ingress && !existing.Ingress))
                    {
                        held[key] = (other.Name, ingress);
                    }
                }
            }
        }

        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i].PublishedPort is not { } number)
            {
                continue;
            }

            var protocol = HostPorts.Protocol(ports[i]);
            if (!held.TryGetValue((protocol, number), out var holder))
            {
                continue;
            }

            // two host-mode ports of one number only constrain placement; anything with ingress in it is a clash
            if (ServiceSpecValidator.IsIngress(ports[i]) || holder.Ingress)
            {
                return new(Rejection.Conflict, new($"spec.ports[{i}].publishedPort",
                    $"port {number}/{protocol} is already published by service '{holder.Service}'{(holder.Ingress ? " (ingress)" : " (host mode)")}"));
            }
        }

        return null;
    }
}
