using System.Diagnostics.Metrics;

namespace Swarm.Dispatcher.Heartbeats;

/// <summary>
/// <c>swarm.heartbeats.received</c>: heartbeats accepted from agents;
/// <c>swarm.heartbeats.missed</c>: nodes the expiry found past their deadline.
/// </summary>
public sealed class HeartbeatMetrics
{
    public const string ReceivedName = "swarm.heartbeats.received";
    public const string MissedName = "swarm.heartbeats.missed";

    private readonly Counter<long> _received;
    private readonly Counter<long> _missed;

    public HeartbeatMetrics(Meter meter)
    {
        _received = meter.CreateCounter<long>(ReceivedName, "{heartbeat}", "Heartbeats accepted from agents");
        _missed = meter.CreateCounter<long>(MissedName, "{heartbeat}", "Nodes found past their heartbeat deadline");
    }

    public void Received() => _received.Add(1);

    public void Missed(int nodes)
    {
        if (nodes > 0)
        {
            _missed.Add(nodes);
        }
    }
}
