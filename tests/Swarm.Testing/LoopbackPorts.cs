using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Swarm.Testing;

/// <summary>
/// Loopback ports for processes a test starts, which bind them a few seconds later. A port the kernel
/// hands out for port 0 comes from the ephemeral range, where every outgoing connection (to PostgreSQL,
/// RabbitMQ, another process) also takes its local port, so one could be gone by the time the process
/// binds it. These come from below that range and are never handed out twice by this process.
/// </summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> Given = [];
    private static readonly Random Random = new();

    public static int Free()
    {
        var (low, high) = Range();
        lock (Given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Next(low, high);
                if (!Given.Contains(port) && CanBind(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port in {low}-{high}");
    }

    /// <summary>
    /// Up to 12,000 ports below the start of the ephemeral range (32768–60999 on Linux by default), not
    /// under 1024; above its end when too few are below it.
    /// </summary>
    private static (int Low, int High) Range()
    {
        var (start, end) = (32768, 60999);
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            (start, end) = (int.Parse(text[0], CultureInfo.InvariantCulture), int.Parse(text[1], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // not Linux, or not readable: the default range
        }

        return start - 1024 >= 1000 ? (Math.Max(1024, start - 12000), start) : (end + 1, 65536);
    }

    private static bool CanBind(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
