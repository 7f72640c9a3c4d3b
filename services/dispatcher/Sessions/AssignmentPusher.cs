using Marten;
using Swarm.Dispatcher.Tasks;
using Swarm.Domain.Tasks;

namespace Swarm.Dispatcher.Sessions;

/// <summary>
/// Sends a task's current state to the session of its node, when that node holds a session here.
/// The task is read from the read model at the time of sending, so a duplicate or late event sends
/// the current state again, which agents take as a no-op.
/// </summary>
public sealed class AssignmentPusher
{
    private readonly SessionRegistry _sessions;
    private readonly IQuerySession _query;
    private readonly TimeProvider _time;
    private readonly ISecretSource? _secrets;

    public AssignmentPusher(SessionRegistry sessions, IQuerySession query, TimeProvider time, ISecretSource? secrets = null)
    {
        _sessions = sessions;
        _query = query;
        _time = time;
        _secrets = secrets;
    }

    public async Task PushAsync(Guid taskId, Guid? nodeHint, CancellationToken cancellationToken)
    {
        if (_sessions.Count == 0 || (nodeHint is { } hint && !_sessions.HasSession(hint)))
        {
            return;
        }

        var task = await _query.LoadAsync<SwarmTask>(taskId, cancellationToken);
        if (task?.NodeId is { } nodeId && _sessions.ForNode(nodeId) is { } session)
        {
            var secrets = await TaskSecrets.ResolveAsync(_secrets, [task], cancellationToken);
            session.Push(TaskSpans.Dispatch(task, _time, secrets), secrets);
        }
    }

    /// <summary>Sends many tasks to their nodes' sessions, reading them in one query.</summary>
    public async Task PushManyAsync(IReadOnlyCollection<(Guid TaskId, Guid? NodeHint)> changes, CancellationToken cancellationToken)
    {
        if (_sessions.Count == 0)
        {
            return;
        }

        var ids = changes.Where(c => c.NodeHint is not { } hint || _sessions.HasSession(hint)).Select(c => c.TaskId).Distinct().ToList();
        if (ids.Count == 0)
        {
            return;
        }

        var tasks = await _query.LoadManyAsync<SwarmTask>(cancellationToken, ids);
        var secrets = await TaskSecrets.ResolveAsync(_secrets, tasks.Where(t => t.NodeId is { } node && _sessions.HasSession(node)), cancellationToken);
        foreach (var task in tasks)
        {
            if (task.NodeId is { } nodeId && _sessions.ForNode(nodeId) is { } session)
            {
                session.Push(TaskSpans.Dispatch(task, _time, secrets), secrets);
            }
        }
    }
}
