using System.Threading.Channels;
using Swarm.Dispatcher.Api;
using Swarm.Dispatcher.Tasks;

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
/// <para>
/// Secret and config values travel with the tasks that reference them: a COMPLETE set carries the values its tasks
/// need, an INCREMENTAL message those that become needed (in the same message as the first task that references them)
/// and the ids of those no non-terminal task of the node references any more (withdrawn as soon as the agent reports
/// the last such task ended, <see cref="TaskEnded"/>). The stream holds a value only while one of its tasks needs it.
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

    // the secret and config ids each sent non-terminal task references (only tasks that reference any)
    private readonly Dictionary<string, string[]> _sentSecrets = new(StringComparer.Ordinal);

    // the values this stream may still have to send, by id; the ids the agent holds
    private readonly Dictionary<string, SecretValue> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _delivered = new(StringComparer.Ordinal);
    private bool _secretsChanged;
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
    public void Start(IEnumerable<Assignment> complete, IReadOnlyDictionary<SecretName, SecretValue>? secrets = null)
    {
        lock (_gate)
        {
            if (_closed || _started)
            {
                return;
            }

            var tasks = complete.ToList();
            KeepValuesLocked(secrets, tasks);
            WriteCompleteLocked(tasks);
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
    public bool CompleteRefresh(long refresh, IEnumerable<Assignment> tasks, IReadOnlyDictionary<SecretName, SecretValue>? secrets = null)
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

            KeepValuesLocked(secrets, complete.Values);

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
    public void Push(Assignment assignment, IReadOnlyDictionary<SecretName, SecretValue>? secrets = null)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            KeepValuesLocked(secrets, [assignment]);

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
            if (_closed || !_started || (_pending.Count == 0 && !_secretsChanged))
            {
                return;
            }

            foreach (var task in _pending.Values)
            {
                RememberSentLocked(task);
            }

            // the values needed from now on go in the first message, ahead of the tasks that reference them
            var (added, removed) = SecretChangesLocked();
            var messages = new List<AssignmentsMessage>();
            foreach (var chunk in _pending.Values.Chunk(MaxBatch))
            {
                var message = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Incremental };
                message.Tasks.AddRange(chunk);
                messages.Add(message);
            }

            if (messages.Count == 0)
            {
                messages.Add(new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Incremental });
            }

            messages[0].Secrets.AddRange(added);
            messages[^1].RemovedSecretIds.AddRange(removed);
            foreach (var message in messages)
            {
                _out.Writer.TryWrite(new SessionMessage { Assignments = message });
            }

            _pending.Clear();
            _secretsChanged = false;
        }
    }

    /// <summary>
    /// The agent reported <paramref name="taskId"/> ended: the values only it needed are withdrawn from the node (in the
    /// next INCREMENTAL message).
    /// </summary>
    public void TaskEnded(string taskId)
    {
        lock (_gate)
        {
            if (_closed || !_sentSecrets.Remove(taskId))
            {
                return;
            }

            _secretsChanged = true;
            ScheduleLocked();
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
            _values.Clear();
            _delivered.Clear();
            _sentSecrets.Clear();
            _out.Writer.TryComplete();
        }
    }

    public void Dispose() => Close();

    private static bool IsTerminal(Assignment task) => task.State >= TaskState.Complete;

    private void WriteCompleteLocked(IReadOnlyList<Assignment> complete)
    {
        var message = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Complete };
        message.Tasks.AddRange(complete);
        _sent.Clear();
        _sentSecrets.Clear();
        foreach (var task in complete)
        {
            RememberSentLocked(task);
        }

        // a COMPLETE set replaces what the agent holds: every value its tasks need, none other
        _delivered.Clear();
        var (added, _) = SecretChangesLocked();
        message.Secrets.AddRange(added);
        _out.Writer.TryWrite(new SessionMessage { Assignments = message });
    }

    private void RememberSentLocked(Assignment task)
    {
        if (IsTerminal(task))
        {
            _sent.Remove(task.TaskId);
            _sentSecrets.Remove(task.TaskId);
            return;
        }

        _sent[task.TaskId] = task.DesiredState;
        if (SecretIdsOf(task) is { Length: > 0 } ids)
        {
            _sentSecrets[task.TaskId] = ids;
        }
        else
        {
            _sentSecrets.Remove(task.TaskId);
        }
    }

    private static string[] SecretIdsOf(Assignment task)
    {
        if (task.Spec is not { } spec || (spec.Secrets.Count == 0 && spec.Configs.Count == 0))
        {
            return [];
        }

        return spec.Secrets.Concat(spec.Configs).Select(f => f.Id).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Remembers the values among <paramref name="secrets"/> that <paramref name="tasks"/> reference.</summary>
    private void KeepValuesLocked(IReadOnlyDictionary<SecretName, SecretValue>? secrets, IEnumerable<Assignment> tasks)
    {
        if (secrets is not { Count: > 0 })
        {
            return;
        }

        var byId = secrets.Values.ToDictionary(v => v.Id, StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            foreach (var id in SecretIdsOf(task))
            {
                if (byId.TryGetValue(id, out var value))
                {
                    _values[id] = value;
                }
            }
        }
    }

    /// <summary>
    /// What the agent must be sent now: the values the sent tasks need that it does not hold, and the ids it holds that
    /// none needs. Updates what it holds, and forgets values no sent or pending task needs.
    /// </summary>
    private (List<SecretValue> Added, List<string> Removed) SecretChangesLocked()
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ids in _sentSecrets.Values)
        {
            needed.UnionWith(ids);
        }

        var added = new List<SecretValue>();
        foreach (var id in needed)
        {
            if (!_delivered.Contains(id) && _values.TryGetValue(id, out var value))
            {
                added.Add(value);
                _delivered.Add(id);
            }
        }

        var removed = _delivered.Where(id => !needed.Contains(id)).ToList();
        _delivered.ExceptWith(removed);

        if (_values.Count > 0)
        {
            var keep = new HashSet<string>(needed, StringComparer.Ordinal);
            foreach (var task in _pending.Values)
            {
                keep.UnionWith(SecretIdsOf(task));
            }

            if (_pushedDuringRefresh is { } pushed)
            {
                foreach (var task in pushed.Values)
                {
                    keep.UnionWith(SecretIdsOf(task));
                }
            }

            foreach (var id in _values.Keys.Where(id => !keep.Contains(id)).ToList())
            {
                _values.Remove(id);
            }
        }

        return (added, removed);
    }

    /// <summary>
    /// A gap: a task the agent was not sent (or was sent with another desired state), one it was sent
    /// that the log no longer assigns to it, or one it has not acknowledged yet (still assigned).
    /// </summary>
    private bool DiffersFromSentLocked(IReadOnlyCollection<Assignment> complete) =>
        complete.Count != _sent.Count
        || complete.Any(t => t.State <= TaskState.Assigned || !_sent.TryGetValue(t.TaskId, out var desired) || desired != t.DesiredState)
        || complete.Any(t => SecretIdsOf(t).Any(id => !_delivered.Contains(id)));

    private void ScheduleLocked()
    {
        if (!_started || (_pending.Count == 0 && !_secretsChanged))
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
