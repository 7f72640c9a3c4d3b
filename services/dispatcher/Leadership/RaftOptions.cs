using System.Net;

namespace Swarm.Dispatcher.Leadership;

/// <summary>
/// The <c>Dispatcher:Raft</c> configuration section: how the dispatcher replicas find each other.
/// With no <see cref="Peers"/> the dispatcher is a cluster of one and leads at once.
/// </summary>
/// <remarks>
/// Election timeouts: each follower waits a random 300–600 ms without hearing from a leader before it
/// stands for election (the leader heartbeats every half of the lower bound, 150 ms). A Raft request
/// must give up within the lower bound (see below), and the leader steps down after one heartbeat
/// round in which no majority answered: at 150–300 ms (requests cut at 100 ms) the end-to-end tests on
/// a busy 2-core machine saw a spurious leader change in the first seconds of most clusters; at
/// 300–600 ms (requests cut at 200 ms) in one of twelve. A dead leader is replaced in about one
/// election timeout plus a round of votes, and both agents are served by the new one soon after
/// (end-to-end, ten kill -9 failovers under 20 tasks: median 1.2 s, max 1.6 s; at 150–300 ms 0.8–0.9 s
/// median). The 300 ms spread keeps split votes rare. Agents tolerate far longer (3 heartbeat periods,
/// 15 s by default), so the timeouts can be raised for slow or lossy networks without touching them.
/// <para>
/// A Raft request to a member gives up after <see cref="RequestTimeout"/> and a connection attempt after
/// <see cref="ConnectTimeout"/>, both well under the lower election timeout. A candidate waits for every
/// member's vote until its own election timeout: a member that is frozen (SIGSTOP, a long pause) but
/// whose port still accepts connections answers nothing, and only a request that fails before the
/// candidate gives up counts it as unavailable. With the library's default (request timeout = upper
/// election timeout) no candidate could outlast it, and a new leader was elected only after the frozen
/// member's accept queue had filled with abandoned connections, five terms later.
/// </para>
/// </remarks>
public sealed class RaftOptions
{
    public const string Section = "Dispatcher:Raft";

    /// <summary>This replica's Raft endpoint, <c>ip:port</c> (e.g. <c>127.0.0.1:4245</c>).</summary>
    public string? Self { get; set; }

    /// <summary>Every member's Raft endpoint, this replica's included.</summary>
    public string[] Peers { get; set; } = [];

    /// <summary>
    /// The agent-facing gRPC address of each member, in the order of <see cref="Peers"/>; a follower
    /// names the leader's to agents. When absent, each replica announces its own (the <c>Grpc</c>
    /// Kestrel endpoint) in its Raft metadata.
    /// </summary>
    public string[] AgentAddresses { get; set; } = [];

    /// <summary>Lower bound of the randomized election timeout (default 300 ms).</summary>
    public int LowerElectionTimeoutMs { get; set; } = 300;

    /// <summary>Upper bound of the randomized election timeout (default 600 ms).</summary>
    public int UpperElectionTimeoutMs { get; set; } = 600;

    /// <summary>How long a Raft request to one member may take: two thirds of the lower election timeout.</summary>
    public TimeSpan RequestTimeout => TimeSpan.FromMilliseconds(Math.Max(LowerElectionTimeoutMs * 2 / 3, 1));

    /// <summary>How long connecting to a member may take: a third of the lower election timeout.</summary>
    public TimeSpan ConnectTimeout => TimeSpan.FromMilliseconds(Math.Max(LowerElectionTimeoutMs / 3, 1));

    /// <summary>Whether the replicas form a Raft cluster (more than this replica is configured).</summary>
    public bool IsClustered => Peers.Length > 0 && !string.IsNullOrWhiteSpace(Self);

    public IPEndPoint SelfEndPoint => ParseEndPoint(Self ?? throw new InvalidOperationException($"{Section}:Self is not set"));

    public IReadOnlyList<IPEndPoint> PeerEndPoints => Peers.Select(ParseEndPoint).ToList();

    /// <summary>The agent address of the member at <paramref name="endPoint"/>, when configured.</summary>
    public string? AgentAddressOf(EndPoint? endPoint)
    {
        if (endPoint is not IPEndPoint ip)
        {
            return null;
        }

        var peers = PeerEndPoints;
        for (var i = 0; i < peers.Count && i < AgentAddresses.Length; i++)
        {
            if (peers[i].Equals(ip))
            {
                return AgentAddresses[i];
            }
        }

        return null;
    }

    public static IPEndPoint ParseEndPoint(string value) =>
        IPEndPoint.TryParse(value.Trim(), out var endPoint) && endPoint.Port > 0
            ? endPoint
            : throw new InvalidOperationException($"{Section}: '{value}' is not an ip:port endpoint");
}
