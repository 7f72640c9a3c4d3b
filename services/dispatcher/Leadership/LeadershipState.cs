namespace Swarm.Dispatcher.Leadership;

/// <summary>
/// What this replica knows about dispatcher leadership: whether it leads now (and under which term,
/// with a token that is cancelled the moment it stops leading), and who leads otherwise.
/// </summary>
public sealed class LeadershipState
{
    private readonly object _gate = new();
    private TaskCompletionSource<LeaderLease> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LeaderLease? _lease;
    private long _raftTerm;
    private string? _leaderEndPoint;
    private string? _leaderAgentAddress;

    public LeadershipState(string replicaId, bool clustered)
    {
        ReplicaId = replicaId;
        IsClustered = clustered;
    }

    public string ReplicaId { get; }

    public bool IsClustered { get; }

    /// <summary>Members and their reachability as this replica sees them (filled in by the election).</summary>
    public Func<IReadOnlyList<RaftMemberStatus>> Members { get; set; } = () => [];

    public bool IsServing => CurrentLease is not null;

    public LeaderLease? CurrentLease
    {
        get
        {
            lock (_gate)
            {
                return _lease is { Token.IsCancellationRequested: false } lease ? lease : null;
            }
        }
    }

    /// <summary>The newest Raft term this replica has seen.</summary>
    public long RaftTerm
    {
        get
        {
            lock (_gate)
            {
                return _raftTerm;
            }
        }
    }

    /// <summary>The leader's agent-facing address, when known and not this replica.</summary>
    public string? LeaderAgentAddress
    {
        get
        {
            lock (_gate)
            {
                return _leaderAgentAddress;
            }
        }
    }

    public string? LeaderEndPoint
    {
        get
        {
            lock (_gate)
            {
                return _leaderEndPoint;
            }
        }
    }

    public string Role => IsServing ? "leader" : LeaderEndPoint is null ? "candidate" : "follower";

    /// <summary>Waits until this replica leads and has fenced the log with its term.</summary>
    public Task<LeaderLease> WaitServingAsync(CancellationToken cancellationToken)
    {
        Task<LeaderLease> task;
        lock (_gate)
        {
            task = _lease is { Token.IsCancellationRequested: false } lease ? Task.FromResult(lease) : _serving.Task;
        }

        return task.WaitAsync(cancellationToken);
    }

    public void ObserveTerm(long term)
    {
        lock (_gate)
        {
            _raftTerm = Math.Max(_raftTerm, term);
        }
    }

    /// <summary>Raised with the new leader's end point when this replica learns of a leader other than the one it knew.</summary>
    public event Action<string>? LeaderChanged;

    public void SetLeader(string? endPoint, string? agentAddress)
    {
        bool changed;
        lock (_gate)
        {
            changed = endPoint is not null && !string.Equals(endPoint, _leaderEndPoint, StringComparison.Ordinal);
            _leaderEndPoint = endPoint;
            _leaderAgentAddress = agentAddress;
        }

        if (changed)
        {
            LeaderChanged?.Invoke(endPoint!);
        }
    }

    /// <summary>This replica now leads under <paramref name="term"/> until <paramref name="token"/> is cancelled.</summary>
    public LeaderLease StartServing(long term, CancellationToken token, bool afterLeaderChange, DateTimeOffset since)
    {
        var lease = new LeaderLease(term, token, afterLeaderChange, since);
        TaskCompletionSource<LeaderLease> serving;
        lock (_gate)
        {
            _raftTerm = Math.Max(_raftTerm, term);
            _lease = lease;
            serving = _serving;
            _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        serving.TrySetResult(lease);
        return lease;
    }

    public void StopServing(LeaderLease lease)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_lease, lease))
            {
                _lease = null;
            }
        }
    }
}

/// <summary>One period of leadership: the term it fences writes with and a token cancelled when it ends.</summary>
public sealed record LeaderLease(long Term, CancellationToken Token, bool AfterLeaderChange, DateTimeOffset Since);

/// <summary>One Raft member as this replica sees it.</summary>
public sealed record RaftMemberStatus(string EndPoint, bool IsLeader, bool IsSelf, string Status);
