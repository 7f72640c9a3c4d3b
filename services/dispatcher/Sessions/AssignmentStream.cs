using System.Threading.Channels;
using Swarm.Dispatcher.Api;

namespace Swarm.Dispatcher.Sessions;

/// <summary>
/// The outgoing side of one open session stream. Changed tasks are gathered and sent as INCREMENTAL
/// messages a short delay after the first change (or at once when a full batch is waiting), at most
/// <see cref="MaxBatch"/> tasks per message, a later state of a task replacing an earlier one still
/// waiting. Nothing incremental goes out before the COMPLETE set (<see cref="Start"/>): changes that
/// arrive earlier wait and follow it.
/// <para>
/// A session also gets a COMPLETE set again when the periodic reconciliation finds that what the log
/// assigns to the node differs from what this stream has sent (<see cref="BeginRefresh"/>,
/// <see cref="CompleteRefresh"/>): an assignment or stop order whose bus message was lost reaches the
/// agent that way, and a task still <c>assigned</c> (never acknowledged) is sent again. Changes pushed
/// while the log is read are merged into that set and sent again after it, so a set read a moment
/// before a new assignment never tells the agent to stop it.
/// </para>
/// </summary>
public sealed class AssignmentStream : IDisposable
{
    public const int MaxBatch = 100;

    private readonly object _gate = new();
    private readonly Channel<SessionMessage> _out = Channel.CreateUnbounded<SessionMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, Assignment> _pending = [];

    // the desired state of every non-terminal task this stream has sent, as the agent knows them
    private readonly Dictionary<string, DesiredState> _sent = new(StringComparer.Ordinal);
    private Dictionary<string, Assignment>? _pushedDuringRefresh;
    private long _refresh;
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

            WriteCompleteLocked(complete.ToList());
            _started = true;
            ScheduleLocked();
        }
    }

    /// <summary>
    /// Marks the moment the log is about to be read for a refresh: changes pushed from now on are
    /// merged into that set. Null when the stream has not started or is closed.
    /// </summary>
    public long? BeginRefresh()
    {
        lock (_gate)
        {
            if (_closed || !_started)
            {
                return null;
            }

            _pushedDuringRefresh = new Dictionary<string, Assignment>(StringComparer.Ordinal);
            return ++_refresh;
        }
    }

    /// <summary>
    /// The node's non-terminal tasks as the log has them, read after <see cref="BeginRefresh"/>. Sends
    /// them as a COMPLETE set when they differ from what this stream has sent, or when one of them is
    /// still <c>assigned</c>; changes pushed meanwhile are added to the set and follow it again.
    /// Returns whether a COMPLETE set was sent.
    /// </summary>
    public bool CompleteRefresh(long refresh, IEnumerable<Assignment> tasks)
    {
        lock (_gate)
        {
            if (_closed || !_started || refresh != _refresh || _pushedDuringRefresh is not { } pushed)
            {
                return false;
            }

            _pushedDuringRefresh = null;
            var complete = new Dictionary<string, Assignment>(StringComparer.Ordinal);
            foreach (var task in tasks)
            {
                complete[task.TaskId] = task;
            }

            foreach (var (id, task) in pushed)
            {
                if (!complete.ContainsKey(id) && !IsTerminal(task))
                {
                    complete[id] = task;
                }
            }

            if (!DiffersFromSentLocked(complete.Values))
            {
                return false;
            }

            WriteCompleteLocked(complete.Values.ToList());
            foreach (var (id, task) in pushed)
            {
                _pending[id] = task;
            }

            ScheduleLocked();
            return true;
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
            if (_pushedDuringRefresh is { } pushed)
            {
                pushed[assignment.TaskId] = assignment;
            }

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

            foreach (var task in _pending.Values)
            {
                RememberSentLocked(task);
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
            _pushedDuringRefresh = null;
            _out.Writer.TryComplete();
        }
    }

    public void Dispose() => Close();

    private static bool IsTerminal(Assignment task) => task.State >= TaskState.Complete;

    private void WriteCompleteLocked(IReadOnlyList<Assignment> complete)
    {
        var message = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Complete };
        message.Tasks.AddRange(complete);
        _out.Writer.TryWrite(new SessionMessage { Assignments = message });
        _sent.Clear();
        foreach (var task in complete)
        {
            RememberSentLocked(task);
        }
    }

    private void RememberSentLocked(Assignment task)
    {
        if (IsTerminal(task))
        {
            _sent.Remove(task.TaskId);
        }
        else
        {
            _sent[task.TaskId] = task.DesiredState;
        }
    }

    /// <summary>
    /// A gap: a task the agent was not sent (or was sent with another desired state), one it was sent
    /// that the log no longer assigns to it, or one it has not acknowledged yet (still assigned).
    /// </summary>
    private bool DiffersFromSentLocked(IReadOnlyCollection<Assignment> complete) =>
        complete.Count != _sent.Count
        || complete.Any(t => t.State <= TaskState.Assigned || !_sent.TryGetValue(t.TaskId, out var desired) || desired != t.DesiredState);

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
