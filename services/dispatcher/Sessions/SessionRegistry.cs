using System.Security.Cryptography;

namespace Swarm.Dispatcher.Sessions;

/// <summary>
/// The agent sessions held by this dispatcher process, by session id and by node. A node has at most
/// one session: registering again closes the previous one.
/// </summary>
public sealed class SessionRegistry
{
    private readonly object _gate = new();
    private readonly Dictionary<string, NodeSession> _bySession = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, NodeSession> _byNode = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byNode.Count;
            }
        }
    }

    public NodeSession Open(Guid nodeId)
    {
        var session = new NodeSession(nodeId, NewSessionId());
        NodeSession? previous;
        lock (_gate)
        {
            if (_byNode.TryGetValue(nodeId, out previous))
            {
                _bySession.Remove(previous.SessionId);
            }

            _byNode[nodeId] = session;
            _bySession[session.SessionId] = session;
        }

        previous?.Close();
        return session;
    }

    /// <summary>Every session held now (a copy).</summary>
    public IReadOnlyList<NodeSession> All()
    {
        lock (_gate)
        {
            return [.. _byNode.Values];
        }
    }

    public NodeSession? Find(string sessionId)
    {
        lock (_gate)
        {
            return _bySession.GetValueOrDefault(sessionId);
        }
    }

    public NodeSession? ForNode(Guid nodeId)
    {
        lock (_gate)
        {
            return _byNode.GetValueOrDefault(nodeId);
        }
    }

    public bool HasSession(Guid nodeId) => ForNode(nodeId) is not null;

    /// <summary>Closes the given session if it is still the node's current one.</summary>
    public bool Close(NodeSession session)
    {
        lock (_gate)
        {
            if (!_bySession.Remove(session.SessionId))
            {
                return false;
            }

            if (_byNode.TryGetValue(session.NodeId, out var current) && ReferenceEquals(current, session))
            {
                _byNode.Remove(session.NodeId);
            }
        }

        session.Close();
        return true;
    }

    /// <summary>Closes every session (this dispatcher stopped leading); their agents register elsewhere.</summary>
    public int CloseAll()
    {
        List<NodeSession> sessions;
        lock (_gate)
        {
            sessions = [.. _bySession.Values];
            _bySession.Clear();
            _byNode.Clear();
        }

        foreach (var session in sessions)
        {
            session.Close();
        }

        return sessions.Count;
    }

    /// <summary>Closes the node's session, if it has one here.</summary>
    public bool CloseNode(Guid nodeId) => ForNode(nodeId) is { } session && Close(session);

    private static string NewSessionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
