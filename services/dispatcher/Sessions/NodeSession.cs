namespace Swarm.Dispatcher.Sessions;

/// <summary>
/// One agent session: the node it belongs to and, while the agent holds the session stream open,
/// that stream. A newer stream for the same session replaces (and ends) the older one.
/// </summary>
public sealed class NodeSession
{
    private readonly object _gate = new();
    private AssignmentStream? _stream;
    private bool _closed;

    public NodeSession(Guid nodeId, string sessionId)
    {
        NodeId = nodeId;
        SessionId = sessionId;
    }

    public Guid NodeId { get; }
    public string SessionId { get; }

    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    /// <summary>Attaches a newly opened stream; returns false when the session is already closed.</summary>
    public bool Attach(AssignmentStream stream)
    {
        AssignmentStream? previous;
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            previous = _stream;
            _stream = stream;
        }

        previous?.Close();
        return true;
    }

    public void Detach(AssignmentStream stream)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_stream, stream))
            {
                _stream = null;
            }
        }
    }

    /// <summary>Queues a changed task for the open stream; without one the next COMPLETE set carries it.</summary>
    public void Push(Api.Assignment assignment, IReadOnlyDictionary<Tasks.SecretName, Api.SecretValue>? secrets = null)
    {
        AssignmentStream? stream;
        lock (_gate)
        {
            stream = _stream;
        }

        stream?.Push(assignment, secrets);
    }

    /// <summary>The agent reported the task ended: the open stream withdraws the values only it needed.</summary>
    public void TaskEnded(string taskId)
    {
        AssignmentStream? stream;
        lock (_gate)
        {
            stream = _stream;
        }

        stream?.TaskEnded(taskId);
    }

    /// <summary>
    /// Starts a refresh of the open stream's COMPLETE set (<see cref="AssignmentStream.BeginRefresh"/>);
    /// null when the agent holds no started stream.
    /// </summary>
    public (AssignmentStream Stream, long Refresh)? BeginRefresh()
    {
        AssignmentStream? stream;
        lock (_gate)
        {
            stream = _stream;
        }

        return stream?.BeginRefresh() is { } refresh ? (stream, refresh) : null;
    }

    /// <summary>Sends a message on the open stream; false when the agent holds none.</summary>
    public bool Send(Api.SessionMessage message)
    {
        AssignmentStream? stream;
        lock (_gate)
        {
            stream = _stream;
        }

        if (stream is null)
        {
            return false;
        }

        stream.Send(message);
        return true;
    }

    public void Close()
    {
        AssignmentStream? stream;
        lock (_gate)
        {
            _closed = true;
            stream = _stream;
            _stream = null;
        }

        stream?.Close();
    }
}
