using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Marten;
using Swarm.Dispatcher.Api;
using Swarm.Dispatcher.Sessions;
using Swarm.Domain.Nodes;
using Swarm.Domain.Tasks;

namespace Swarm.Dispatcher.Logs;

/// <summary>
/// SwarmKit's log broker: a subscriber names tasks; the broker asks each node that runs one of them
/// (over its session stream) to publish their output, and relays what the agents send back through
/// <c>PublishLogs</c>, each line marked with the task's service, slot and node.
/// </summary>
public sealed class LogBroker
{
    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly SessionRegistry _sessions;
    private readonly IDocumentStore _store;
    private readonly ILogger<LogBroker> _logger;

    public LogBroker(SessionRegistry sessions, IDocumentStore store, ILogger<LogBroker> logger)
    {
        _sessions = sessions;
        _store = store;
        _logger = logger;
    }

    /// <summary>
    /// The output of the given tasks from the nodes that run them; ends when every node has sent what
    /// it has (and, when following, when their tasks end), or when the caller stops reading.
    /// </summary>
    public async IAsyncEnumerable<LogLine> SubscribeAsync(IReadOnlyList<Guid> taskIds, bool follow, int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, SwarmTask> tasks;
        Dictionary<Guid, string> hostnames;
        await using (var query = _store.QuerySession())
        {
            var ids = taskIds.ToArray();
            tasks = (await query.Query<SwarmTask>().Where(t => ids.Contains(t.Id)).ToListAsync(cancellationToken))
                .Where(t => t.NodeId is not null)
                .ToDictionary(t => t.Id.ToString(), StringComparer.Ordinal);
            var nodeIds = tasks.Values.Select(t => t.NodeId!.Value).Distinct().ToArray();
            hostnames = (await query.Query<Node>().Where(n => nodeIds.Contains(n.Id)).ToListAsync(cancellationToken)).ToDictionary(n => n.Id, n => n.Hostname);
        }

        var subscription = new Subscription(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), tasks, hostnames);
        _subscriptions[subscription.Id] = subscription;
        var asked = new List<NodeSession>();
        try
        {
            foreach (var group in tasks.Values.GroupBy(t => t.NodeId!.Value))
            {
                if (_sessions.ForNode(group.Key) is not { } session)
                {
                    continue;
                }

                var request = new LogSubscription { SubscriptionId = subscription.Id, Follow = follow, Tail = Math.Max(0, tail) };
                request.TaskIds.AddRange(group.Select(t => t.Id.ToString()));
                subscription.Expect(group.Key);
                if (session.Send(new SessionMessage { LogSubscription = request }))
                {
                    asked.Add(session);
                }
                else
                {
                    subscription.Closed(group.Key);
                }
            }

            subscription.Started();
            await foreach (var line in subscription.Lines.ReadAllAsync(cancellationToken))
            {
                yield return line;
            }
        }
        finally
        {
            _subscriptions.TryRemove(subscription.Id, out _);
            if (!subscription.Lines.Completion.IsCompleted)
            {
                foreach (var session in asked)
                {
                    session.Send(new SessionMessage { LogSubscription = new LogSubscription { SubscriptionId = subscription.Id, Cancelled = true } });
                }
            }
        }
    }

    /// <summary>Lines an agent published; false when the subscription is gone (the agent should stop).</summary>
    public async ValueTask<bool> PublishAsync(Guid nodeId, string subscriptionId, IEnumerable<LogLine> lines, CancellationToken cancellationToken)
    {
        if (!_subscriptions.TryGetValue(subscriptionId, out var subscription))
        {
            return false;
        }

        foreach (var line in lines)
        {
            // a node may only publish its own tasks
            if (!subscription.Tasks.TryGetValue(line.TaskId, out var task) || task.NodeId != nodeId)
            {
                continue;
            }

            line.ServiceName = task.ServiceName;
            line.Slot = task.Slot;
            line.Node = subscription.Hostnames.GetValueOrDefault(nodeId, nodeId.ToString());
            try
            {
                await subscription.Writer.WriteAsync(line, cancellationToken);
            }
            catch (ChannelClosedException)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The node has sent everything for the subscription (or went away).</summary>
    public void Close(Guid nodeId, string subscriptionId)
    {
        if (_subscriptions.TryGetValue(subscriptionId, out var subscription))
        {
            subscription.Closed(nodeId);
        }
        else
        {
            _logger.LogDebug("log subscription {SubscriptionId} closed by node {NodeId} after it ended", subscriptionId, nodeId);
        }
    }

    private sealed class Subscription(string id, IReadOnlyDictionary<string, SwarmTask> tasks, IReadOnlyDictionary<Guid, string> hostnames)
    {
        private readonly Channel<LogLine> _lines = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(10_000) { SingleReader = true });
        private readonly HashSet<Guid> _open = [];
        private bool _started;

        public string Id { get; } = id;
        public IReadOnlyDictionary<string, SwarmTask> Tasks { get; } = tasks;
        public IReadOnlyDictionary<Guid, string> Hostnames { get; } = hostnames;
        public ChannelReader<LogLine> Lines => _lines.Reader;
        public ChannelWriter<LogLine> Writer => _lines.Writer;

        public void Expect(Guid nodeId)
        {
            lock (_open)
            {
                _open.Add(nodeId);
            }
        }

        public void Started()
        {
            lock (_open)
            {
                _started = true;
                CompleteIfDone();
            }
        }

        public void Closed(Guid nodeId)
        {
            lock (_open)
            {
                _open.Remove(nodeId);
                CompleteIfDone();
            }
        }

        private void CompleteIfDone()
        {
            if (_started && _open.Count == 0)
            {
                _lines.Writer.TryComplete();
            }
        }
    }
}
