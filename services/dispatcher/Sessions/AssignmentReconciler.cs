using Marten;
using Swarm.Dispatcher.Tasks;
using Swarm.Domain.Tasks;

namespace Swarm.Dispatcher.Sessions;

/// <summary>
/// Compares what the log assigns to each node holding a session here with what its session stream
/// has sent, and sends the full set again where they differ (as SwarmKit's agents receive full sets).
/// Assignments and stop orders travel to the dispatcher as bus messages on a temporary queue; one
/// lost while the broker restarts reaches the agent this way, as does a task the agent never
/// acknowledged (still <c>assigned</c>). Such a task is resent, not failed: a node that is really gone
/// stops heartbeating and is marked down, which is what fails its tasks (SwarmKit does the same).
/// </summary>
public sealed class AssignmentReconciler
{
    /// <summary>Reads the non-terminal tasks bound to the given nodes.</summary>
    public delegate Task<IReadOnlyList<SwarmTask>> TasksOfNodes(IReadOnlyCollection<Guid> nodeIds, CancellationToken cancellationToken);

    private const int NodesPerQuery = 500;

    private readonly SessionRegistry _sessions;
    private readonly TasksOfNodes _read;
    private readonly ISecretSource? _secrets;

    public AssignmentReconciler(SessionRegistry sessions, TasksOfNodes read, ISecretSource? secrets = null)
    {
        _sessions = sessions;
        _read = read;
        _secrets = secrets;
    }

    public AssignmentReconciler(SessionRegistry sessions, IDocumentStore store, ISecretSource? secrets = null)
        : this(sessions, FromStore(store), secrets)
    {
    }

    public static TasksOfNodes FromStore(IDocumentStore store) => async (nodeIds, cancellationToken) =>
    {
        await using var query = store.QuerySession();
        return await NodeTasks.ReadAsync(query, nodeIds, cancellationToken);
    };

    /// <summary>One round over every open session stream; returns how many were sent their full set again.</summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        // the refresh begins before the log is read: what is pushed meanwhile is merged, not lost
        var refreshes = new List<(Guid NodeId, AssignmentStream Stream, long Refresh)>();
        foreach (var session in _sessions.All())
        {
            if (session.BeginRefresh() is { } refresh)
            {
                refreshes.Add((session.NodeId, refresh.Stream, refresh.Refresh));
            }
        }

        var sent = 0;
        foreach (var chunk in refreshes.Chunk(NodesPerQuery))
        {
            var read = await _read(chunk.Select(r => r.NodeId).ToList(), cancellationToken);
            var secrets = await TaskSecrets.ResolveAsync(_secrets, read, cancellationToken);
            var tasks = read.ToLookup(t => t.NodeId);
            foreach (var (nodeId, stream, refresh) in chunk)
            {
                if (stream.CompleteRefresh(refresh, tasks[nodeId].Select(t => Assignments.ToAssignment(t, secrets)), secrets))
                {
                    sent++;
                }
            }
        }

        return sent;
    }
}
