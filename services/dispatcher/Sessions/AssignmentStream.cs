using System.Threading.Channels;
using Swarm.Dispatcher.Api;

namespace Swarm.Dispatcher.Sessions;

/// <summary>
/// The outgoing side of one open session stream. Changed tasks are gathered and sent as INCREMENTAL
/// messages a short delay after the first change (or at once when a full batch is waiting), at most
/// <see cref="MaxBatch"/> tasks per message, a later state of a task replacing an earlier one still
/// waiting. Nothing incremental goes out before the COMPLETE set (<see cref="Start"/>): changes that
/// arrive earlier wait and follow it.
/// </summary>
public sealed class AssignmentStream : IDisposable
{
    public const int MaxBatch = 100;

    private readonly object _gate = new();
    private readonly Channel<SessionMessage> _out = Channel.CreateUnbounded<SessionMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, Assignment> _pending = [];
    private readonly TimeProvider _time;
    private readonly TimeSpan _flushDelay;
    private ITimer? _timer;
    private bool _started;
    private bool _closed;

    public AssignmentStream(TimeProvider time, TimeSpan flushDelay)
    {
        _time = time;
        _flushDelay = flushDelay;
    }

    /// <summary>Messages to write to the agent, in order. Completes when the stream is closed.</summary>
    public ChannelReader<SessionMessage> Messages => _out.Reader;

    /// <summary>Queues a message that goes out ahead of any assignments (the session info).</summary>
    public void Send(SessionMessage message)
    {
        lock (_gate)
        {
            if (!_closed)
            {
                _out.Writer.TryWrite(message);
            }
        }
    }

    /// <summary>Sends the COMPLETE set; from now on incremental changes flow.</summary>
    public void Start(IEnumerable<Assignment> complete)
    {
        lock (_gate)
        {
            if (_closed || _started)
            {
                return;
            }

            var message = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Complete };
            message.Tasks.AddRange(complete);
            _out.Writer.TryWrite(new SessionMessage { Assignments = message });
            _started = true;
            ScheduleLocked();
        }
    }

    /// <summary>A task of this node changed.</summary>
    public void Push(Assignment assignment)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _pending[assignment.TaskId] = assignment;
            ScheduleLocked();
        }
    }

    /// <summary>Sends what is pending now (also what the flush timer does).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            if (_closed || !_started || _pending.Count == 0)
            {
                return;
            }

            foreach (var chunk in _pending.Values.Chunk(MaxBatch))
            {
                var message = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Incremental };
                message.Tasks.AddRange(chunk);
                _out.Writer.TryWrite(new SessionMessage { Assignments = message });
            }

            _pending.Clear();
        }
    }

    /// <summary>Ends the stream; the agent sees its session stream finish.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            _timer?.Dispose();
            _timer = null;
            _pending.Clear();
            _out.Writer.TryComplete();
        }
    }

    public void Dispose() => Close();

    private void ScheduleLocked()
    {
        if (!_started || _pending.Count == 0)
        {
            return;
        }

        if (_pending.Count >= MaxBatch)
        {
            // a full batch goes now; the lock is re-entrant
            Flush();
            return;
        }

        _timer ??= _time.CreateTimer(_ => Flush(), null, _flushDelay, Timeout.InfiniteTimeSpan);
    }
}
