using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Marten;
using Swarm.Dispatcher.Api;
using Swarm.Dispatcher.Sessions;
using TaskState = Swarm.Contracts.Model.TaskState;
using Swarm.Domain.Nodes;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Dispatcher.Logs;

/// <summary>
/// SwarmKit's log broker: a subscriber names tasks; the broker asks each node that runs one of them
/// (over its session stream) to publish their output, and relays what the agents send back through
/// <c>PublishLogs</c>, each line marked with the task's service, slot and node. A subscriber that
/// follows a service also gets the tasks of the service that start later.
/// </summary>
public sealed class LogBroker
{
    /// <summary>How often a service followed for logs is checked for tasks started since.</summary>
    public static readonly TimeSpan ServiceWatchInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly SessionRegistry _sessions;
    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<LogBroker> _logger;

    public LogBroker(SessionRegistry sessions, IDocumentStore store, TimeProvider time, ILogger<LogBroker> logger)
    {
        _sessions = sessions;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The output of the given tasks from the nodes that run them; ends when every node has sent what
    /// it has (and, when following, when their tasks end), or when the caller stops reading. With
    /// <paramref name="serviceId"/> and <paramref name="follow"/>, tasks of that service that start
    /// later are followed too, and the stream goes on until the caller stops reading or the service is removed.
    /// </summary>
    public async IAsyncEnumerable<LogLine> SubscribeAsync(IReadOnlyList<Guid> taskIds, bool follow, int tail, Guid? serviceId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<SwarmTask> tasks;
        await using (var query = _store.QuerySession())
        {
            var ids = taskIds.ToArray();
            tasks = (await query.Query<SwarmTask>().Where(t => ids.Contains(t.Id)).ToListAsync(cancellationToken))
                .Where(t => t.NodeId is not null)
                .ToList();
        }

        var watchService = follow ? serviceId : null;
        var subscription = new Subscription(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), keepOpen: watchService is not null);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? watcher = null;
        try
        {
            await AskAsync(subscription, tasks, follow, tail, cancellationToken);
            if (watchService is { } service)
            {
                watcher = WatchServiceAsync(subscription, service, stop.Token);
            }

            subscription.Started();
            await foreach (var line in subscription.Lines.ReadAllAsync(cancellationToken))
            {
                yield return line;
            }
        }
        finally
        {
            await stop.CancelAsync();
            if (watcher is not null)
            {
                await watcher;
            }

            var completed = subscription.Lines.Completion.IsCompleted;
            foreach (var (requestId, session) in subscription.Requests())
            {
                _subscriptions.TryRemove(requestId, out _);
                if (!completed)
                {
                    session.Send(new SessionMessage { LogSubscription = new LogSubscription { SubscriptionId = requestId, Cancelled = true } });
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
            subscription.Closed(subscriptionId, nodeId);
        }
        else
        {
            _logger.LogDebug("log subscription {SubscriptionId} closed by node {NodeId} after it ended", subscriptionId, nodeId);
        }
    }

    /// <summary>Asks the nodes of <paramref name="tasks"/> (one request per node) to publish their output.</summary>
    private async Task AskAsync(Subscription subscription, IReadOnlyList<SwarmTask> tasks, bool follow, int tail, CancellationToken cancellationToken)
    {
        var fresh = tasks.Where(t => t.NodeId is not null && subscription.Add(t)).ToList();
        var unknownNodes = fresh.Select(t => t.NodeId!.Value).Distinct().Where(id => !subscription.Hostnames.ContainsKey(id)).ToArray();
        if (unknownNodes.Length > 0)
        {
            await using var query = _store.QuerySession();
            foreach (var node in await query.Query<Node>().Where(n => unknownNodes.Contains(n.Id)).ToListAsync(cancellationToken))
            {
                subscription.Hostnames[node.Id] = node.Hostname;
            }
        }

        foreach (var group in fresh.GroupBy(t => t.NodeId!.Value))
        {
            if (_sessions.ForNode(group.Key) is not { } session)
            {
                continue;
            }

            var requestId = subscription.NextRequestId();
            var request = new LogSubscription { SubscriptionId = requestId, Follow = follow, Tail = Math.Max(0, tail) };
            request.TaskIds.AddRange(group.Select(t => t.Id.ToString()));
            _subscriptions[requestId] = subscription;
            subscription.Expect(requestId, group.Key, session);
            if (!session.Send(new SessionMessage { LogSubscription = request }))
            {
                subscription.Closed(requestId, group.Key);
            }
        }
    }

    /// <summary>Follows the tasks of the service that start after the subscription did (all of their output), until the service is removed.</summary>
    private async Task WatchServiceAsync(Subscription subscription, Guid serviceId, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ServiceWatchInterval, _time, cancellationToken);
                List<SwarmTask> started;
                bool removed;
                await using (var query = _store.QuerySession())
                {
                    removed = await query.LoadAsync<Service>(serviceId, cancellationToken) is not { Removed: false };

                    // from "starting" on the node's agent runs the task and can tell its output (states are stored as names: compared here)
                    started = (await query.Query<SwarmTask>().Where(t => t.ServiceId == serviceId && t.NodeId != null).ToListAsync(cancellationToken))
                        .Where(t => t.State >= TaskState.Starting && !subscription.Tasks.ContainsKey(t.Id.ToString()))
                        .ToList();
                }

                if (started.Count > 0)
                {
                    await AskAsync(subscription, started, follow: true, tail: 0, cancellationToken);
                }

                if (removed)
                {
                    subscription.StopKeepingOpen();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogWarning("log subscription {SubscriptionId}: watching service {ServiceId} for new tasks failed: {Message}", subscription.Id, serviceId, ex.Message);
            subscription.StopKeepingOpen();
        }
    }

    private sealed class Subscription(string id, bool keepOpen)
    {
        private readonly Channel<LogLine> _lines = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(10_000) { SingleReader = true });
        private readonly Dictionary<string, (Guid Node, NodeSession Session)> _requests = new(StringComparer.Ordinal);
        private readonly HashSet<string> _open = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, SwarmTask> _tasks = new(StringComparer.Ordinal);
        private bool _started;
        private bool _keepOpen = keepOpen;
        private int _requestCount;

        public string Id { get; } = id;
        public IReadOnlyDictionary<string, SwarmTask> Tasks => _tasks;
        public ConcurrentDictionary<Guid, string> Hostnames { get; } = new();
        public ChannelReader<LogLine> Lines => _lines.Reader;
        public ChannelWriter<LogLine> Writer => _lines.Writer;

        /// <summary>Adds a task; false when it is part of the subscription already.</summary>
        public bool Add(SwarmTask task) => _tasks.TryAdd(task.Id.ToString(), task);

        public string NextRequestId()
        {
            var n = Interlocked.Increment(ref _requestCount);
            return n == 1 ? Id : $"{Id}.{n}";
        }

        public void Expect(string requestId, Guid nodeId, NodeSession session)
        {
            lock (_open)
            {
                _requests[requestId] = (nodeId, session);
                _open.Add(requestId);
            }
        }

        public IReadOnlyList<(string RequestId, NodeSession Session)> Requests()
        {
            lock (_open)
            {
                return _requests.Select(kv => (kv.Key, kv.Value.Session)).ToList();
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

        public void StopKeepingOpen()
        {
            lock (_open)
            {
                _keepOpen = false;
                CompleteIfDone();
            }
        }

        public void Closed(string requestId, Guid nodeId)
        {
            lock (_open)
            {
                // only the node a request went to closes it
                if (_requests.TryGetValue(requestId, out var request) && request.Node == nodeId)
                {
                    _open.Remove(requestId);
                    CompleteIfDone();
                }
            }
        }

        private void CompleteIfDone()
        {
            if (_started && !_keepOpen && _open.Count == 0)
            {
                _lines.Writer.TryComplete();
            }
        }
    }
}
