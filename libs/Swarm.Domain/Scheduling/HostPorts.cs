using Swarm.Contracts.Model;

namespace Swarm.Domain.Scheduling;

/// <summary>Host-mode published ports: a node can bind each protocol/port pair once.</summary>
public static class HostPorts
{
    public static string Protocol(PortSpec port) => string.IsNullOrEmpty(port.Protocol) ? "tcp" : port.Protocol.ToLowerInvariant();

    /// <summary>The host-mode ports of a spec, each as one number (protocol and port).</summary>
    public static int[] Of(ServiceSpec spec)
    {
        if (spec.Ports is not { Count: > 0 } ports)
        {
            return [];
        }

        var keys = new List<int>();
        foreach (var port in ports)
        {
            if (port is { PublishedPort: { } published } && string.Equals(port.Mode, "host", StringComparison.OrdinalIgnoreCase))
            {
                keys.Add(Key(Protocol(port), published));
            }
        }

        return [.. keys];
    }

    public static int Key(string protocol, int port) => (protocol switch { "udp" => 1, "sctp" => 2, _ => 0 } << 17) | (port & 0x1FFFF);

    public static string Describe(int key) => $"{key & 0x1FFFF}/{(key >> 17) switch { 1 => "udp", 2 => "sctp", _ => "tcp" }}";
}
