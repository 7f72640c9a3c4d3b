using System.Net;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using Microsoft.Extensions.Options;
using Swarm.Dispatcher.Security;

namespace Swarm.Dispatcher.Leadership;

/// <summary>
/// Elects the dispatcher leader. With peers configured the replicas run Raft (DotNext.Net.Cluster
/// over TCP with mutual TLS between the replicas' manager certificates, <see cref="RaftTls"/>, static
/// membership); without, this replica is a cluster of one and leads at once. A
/// replica that wins an election records its term in the log (<see cref="TermFence.ClaimAsync"/>)
/// before it serves agents, and stops serving the moment Raft says it lost the leadership.
/// </summary>
public sealed class LeaderElectionService : BackgroundService
{
    private const string AgentAddressKey = "agent-address";

    private readonly LeadershipState _state;
    private readonly TermFence _fence;
    private readonly RaftOptions _options;
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<LeaderElectionService> _logger;
    private readonly ClusterTrust _trust;

    public LeaderElectionService(LeadershipState state, TermFence fence, IOptions<RaftOptions> options, IConfiguration configuration,
        TimeProvider time, ILoggerFactory loggers, ClusterTrust trust)
    {
        _trust = trust;
        _state = state;
        _fence = fence;
        _options = options.Value;
        _configuration = configuration;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<LeaderElectionService>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (_options.IsClustered)
            {
                await RunRaftAsync(stoppingToken);
            }
            else
            {
                await RunAloneAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A cluster of one: leads under a term newer than any recorded, for as long as no newer one is recorded.</summary>
    private async Task RunAloneAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var term = await UntilDoneAsync(ct => _fence.RecordedTermAsync(ct), "reading the leadership term", stoppingToken) + 1;
            try
            {
                await UntilDoneAsync(async ct => { await _fence.ClaimAsync(term, ct); return true; }, "recording the leadership term", stoppingToken);
            }
            catch (FencedWriteException)
            {
                continue;
            }

            _state.SetLeader(_state.ReplicaId, null);
            var lease = _state.StartServing(term, stoppingToken, afterLeaderChange: false, _time.GetUtcNow());
            _logger.LogInformation("dispatcher leads alone under term {Term}", term);
            await Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            _state.StopServing(lease);
        }
    }

    private async Task RunRaftAsync(CancellationToken stoppingToken)
    {
        // an in-memory member forgets its term on restart: start from the newest term the log
        // recorded, so that a term won after a restart of every replica is newer than any before
        var recorded = await UntilDoneAsync(ct => _fence.RecordedTermAsync(ct), "reading the leadership term", stoppingToken);
        var auditTrail = new ConsensusOnlyState();
        await ((IPersistentState)auditTrail).UpdateTermAsync(recorded, true, stoppingToken);
        _state.ObserveTerm(recorded);

        // the replicas talk TLS with their manager certificates: none before the CA was read
        if (_trust.Current is null)
        {
            _logger.LogInformation("waiting for the cluster CA before joining the Raft cluster");
            await _trust.WhenReadyAsync(stoppingToken);
        }

        var self = _options.SelfEndPoint;
        var configuration = new RaftCluster.TcpConfiguration(self)
        {
            SslOptions = RaftTls.Create(_trust),
            // members are known from the configuration; every one of them starts as a follower
            ColdStart = false,
            ConfigurationStorage = null,
            LowerElectionTimeout = _options.LowerElectionTimeoutMs,
            UpperElectionTimeout = _options.UpperElectionTimeoutMs,
            // shorter than any candidate waits for votes, so a frozen member counts as unavailable in time
            RequestTimeout = _options.RequestTimeout,
            ConnectTimeout = _options.ConnectTimeout,
            LoggerFactory = _loggers,
        };
        if (OwnAgentAddress() is { } own)
        {
            configuration.Metadata[AgentAddressKey] = own;
        }

        var storage = configuration.ConfigurationStorage as InMemoryClusterConfigurationStorage<EndPoint>
            ?? throw new InvalidOperationException("expected the in-memory Raft configuration storage");
        var members = storage.CreateInitialConfigurationBuilder();
        foreach (var peer in _options.PeerEndPoints)
        {
            members.Add(peer);
        }

        members.Add(self);
        members.Build();

        await using var cluster = new RaftCluster(configuration) { AuditTrail = auditTrail };
        cluster.LeaderChanged += (_, leader) => OnLeaderChanged(cluster, leader, stoppingToken);
        _state.Members = () => cluster.Members
            .Select(m => new RaftMemberStatus(m.EndPoint.ToString() ?? "", m.IsLeader, !m.IsRemote, m.Status.ToString().ToLowerInvariant()))
            .ToList();
        await cluster.StartAsync(stoppingToken);
        _logger.LogInformation("dispatcher replica {Self} joined the Raft cluster {Peers} (election timeout {Lower}-{Upper} ms, from term {Term})",
            self, string.Join(",", _options.Peers), _options.LowerElectionTimeoutMs, _options.UpperElectionTimeoutMs, recorded);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var leadership = await cluster.WaitForLeadershipAsync(stoppingToken);
                var term = auditTrail.Term;
                await LeadAsync(cluster, term, leadership, stoppingToken);
            }
        }
        finally
        {
            _state.Members = () => [];
            try
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await cluster.StopAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private async Task LeadAsync(RaftCluster cluster, long term, CancellationToken leadership, CancellationToken stoppingToken)
    {
        using var lease = CancellationTokenSource.CreateLinkedTokenSource(leadership, stoppingToken);
        _state.ObserveTerm(term);
        try
        {
            await UntilDoneAsync(async ct => { await _fence.ClaimAsync(term, ct); return true; }, "recording the leadership term", lease.Token);
        }
        catch (FencedWriteException ex)
        {
            // the log knows a newer term than Raft gave us: step down so the next election goes higher
            _logger.LogWarning("elected under term {Term}, but {Message}; stepping down", term, ex.Message);
            await ResignAsync(cluster, stoppingToken);
            return;
        }
        catch (OperationCanceledException) when (lease.IsCancellationRequested)
        {
            return;
        }

        var leaderLease = _state.StartServing(term, lease.Token, afterLeaderChange: true, _time.GetUtcNow());
        _state.SetLeader(_options.SelfEndPoint.ToString(), null);
        _logger.LogInformation("dispatcher replica {Self} leads under term {Term}", _options.SelfEndPoint, term);
        try
        {
            await Task.Delay(Timeout.Infinite, lease.Token);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _state.StopServing(leaderLease);
        }

        if (!stoppingToken.IsCancellationRequested)
        {
            _logger.LogWarning("dispatcher replica {Self} lost the leadership of term {Term}", _options.SelfEndPoint, term);
        }
    }

    private void OnLeaderChanged(RaftCluster cluster, RaftClusterMember? leader, CancellationToken stoppingToken)
    {
        _state.ObserveTerm(cluster.AuditTrail.Term);
        if (leader is null)
        {
            _state.SetLeader(null, null);
            return;
        }

        var endPoint = leader.EndPoint;
        var address = _options.AgentAddressOf(endPoint) ?? (leader.TryGetMetadata() is { } known ? known.GetValueOrDefault(AgentAddressKey) : null);
        _state.SetLeader(endPoint.ToString(), leader.IsRemote ? address : null);
        _logger.LogInformation("dispatcher leader is now {Leader} (term {Term})", endPoint, cluster.AuditTrail.Term);
        if (address is null && leader.IsRemote)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    var metadata = await leader.GetMetadataAsync(false, stoppingToken);
                    if (metadata.GetValueOrDefault(AgentAddressKey) is { } announced && ReferenceEquals(cluster.Leader, leader))
                    {
                        _state.SetLeader(endPoint.ToString(), announced);
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _logger.LogDebug("could not read the leader's metadata: {Message}", ex.Message);
                }
            }, CancellationToken.None);
        }
    }

    private async Task ResignAsync(RaftCluster cluster, CancellationToken stoppingToken)
    {
        try
        {
            if (cluster.Members.FirstOrDefault(m => !m.IsRemote) is { } local)
            {
                await local.ResignAsync(stoppingToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning("stepping down failed: {Message}", ex.Message);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(_options.UpperElectionTimeoutMs), _time, stoppingToken);
    }

    /// <summary>The <c>Grpc</c> Kestrel endpoint agents use, announced to the other replicas.</summary>
    private string? OwnAgentAddress() =>
        _configuration["Kestrel:Endpoints:Grpc:Url"] is { Length: > 0 } url ? url : null;

    /// <summary>Runs a step against the log until it succeeds, backing off while the log is unreachable.</summary>
    private async Task<T> UntilDoneAsync<T>(Func<CancellationToken, Task<T>> step, string what, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step(ct);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or FencedWriteException) && !ct.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "{What} failed (attempt {Attempt}); retrying", what, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * attempt, 2000)), _time, ct);
            }
        }
    }
}
