using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.Domain.Scheduling;

/// <summary>
/// Checks the parts of a spec the scheduler reads: constraints, placement preferences, max replicas per
/// node, platforms, resources and published ports. The first problem found is returned.
/// </summary>
public static class PlacementValidator
{
    public static ValidationError? Validate(ServiceSpec spec, string prefix = "spec")
    {
        if (spec.Placement is { } placement)
        {
            var (_, error) = Constraint.ParseAll(placement.Constraints, $"{prefix}.placement.constraints");
            if (error is not null)
            {
                return error;
            }

            if (placement.Preferences is { } preferences)
            {
                for (var i = 0; i < preferences.Count; i++)
                {
                    if (SpreadPreference.Parse(preferences[i]?.Spread) is null)
                    {
                        return new($"{prefix}.placement.preferences[{i}].spread",
                            $"'{preferences[i]?.Spread}' is not a spread descriptor: use node.labels.<name> or engine.labels.<name>");
                    }
                }
            }

            if (placement.MaxReplicasPerNode is < 0)
            {
                return new($"{prefix}.placement.maxReplicasPerNode", $"must be zero (no limit) or more, got {placement.MaxReplicasPerNode}");
            }

            if (placement.Platforms is { } platforms)
            {
                for (var i = 0; i < platforms.Count; i++)
                {
                    if (platforms[i] is null || string.IsNullOrWhiteSpace(platforms[i].Os) && string.IsNullOrWhiteSpace(platforms[i].Architecture))
                    {
                        return new($"{prefix}.placement.platforms[{i}]", "must name an os, an architecture or both");
                    }
                }
            }
        }

        if (spec.Resources is { } resources)
        {
            if (Amounts(resources.Reservations, $"{prefix}.resources.reservations") is { } r)
            {
                return r;
            }

            if (Amounts(resources.Limits, $"{prefix}.resources.limits") is { } l)
            {
                return l;
            }
        }

        if (spec.Ports is { } ports)
        {
            var hostPorts = new HashSet<(string, int)>();
            for (var i = 0; i < ports.Count; i++)
            {
                var field = $"{prefix}.ports[{i}]";
                var port = ports[i];
                if (port is null)
                {
                    return new(field, "is required");
                }

                if (port.TargetPort is < 1 or > 65535)
                {
                    return new($"{field}.targetPort", $"must be between 1 and 65535, got {port.TargetPort}");
                }

                if (port.PublishedPort is { } published && published is < 1 or > 65535)
                {
                    return new($"{field}.publishedPort", $"must be between 1 and 65535, got {published}");
                }

                var protocol = HostPorts.Protocol(port);
                if (protocol is not ("tcp" or "udp" or "sctp"))
                {
                    return new($"{field}.protocol", $"'{port.Protocol}' is not a protocol (tcp, udp, sctp)");
                }

                var mode = string.IsNullOrEmpty(port.Mode) ? "ingress" : port.Mode.ToLowerInvariant();
                if (mode is not ("ingress" or "host"))
                {
                    return new($"{field}.mode", $"'{port.Mode}' is not a publish mode (ingress, host)");
                }

                if (mode == "host")
                {
                    if (port.PublishedPort is null)
                    {
                        return new($"{field}.publishedPort", "is required in host mode");
                    }

                    if (!hostPorts.Add((protocol, port.PublishedPort.Value)))
                    {
                        return new($"{field}.publishedPort", $"{port.PublishedPort}/{protocol} is published twice");
                    }
                }
            }
        }

        return null;
    }

    private static ValidationError? Amounts(ResourceAmounts? amounts, string field)
    {
        if (amounts is null)
        {
            return null;
        }

        if (amounts.NanoCpus is < 0)
        {
            return new($"{field}.nanoCpus", $"must be zero or more, got {amounts.NanoCpus}");
        }

        if (amounts.MemoryBytes is < 0)
        {
            return new($"{field}.memoryBytes", $"must be zero or more, got {amounts.MemoryBytes}");
        }

        if (amounts.Generic is { } generic)
        {
            foreach (var (name, count) in generic)
            {
                if (string.IsNullOrWhiteSpace(name) || name.Contains('='))
                {
                    return new($"{field}.generic", $"'{name}' is not a resource name");
                }

                if (count < 0)
                {
                    return new($"{field}.generic.{name}", $"must be zero or more, got {count}");
                }
            }
        }

        return null;
    }
}
