using Marten;
using Microsoft.Extensions.Options;
using Swarm.Contracts.Model;
using Swarm.Dispatcher.Leadership;
using Swarm.Domain.Nodes;
using Swarm.EventStore.Security;
using Swarm.Security;
using Swarm.ServiceDefaults;

namespace Swarm.Dispatcher.Security;

/// <summary>
/// Completes a root rotation once it can: the leader checks every <see cref="DispatcherOptions.RootRotationCheckPeriod"/>
/// whether every node that counts (<see cref="PendingNodes"/>) holds a certificate issued by the new signing root,
/// as the node read model has it from the nodes' registrations and renewals; then only the new root is trusted
/// (<see cref="ICertificateAuthority.CompleteRootRotationAsync"/>).
/// </summary>
public sealed class RootRotationService : PeriodicWork
{
    private readonly ICertificateAuthority _ca;
    private readonly ClusterTrust _trust;
    private readonly LeadershipState _leadership;
    private readonly IDocumentStore _store;
    private readonly TimeSpan _period;
    private readonly ILogger<RootRotationService> _logger;
    private int _lastPending = -1;

    public RootRotationService(ICertificateAuthority ca, ClusterTrust trust, LeadershipState leadership, IDocumentStore store,
        IOptions<DispatcherOptions> options, TimeProvider time, ILogger<RootRotationService> logger)
        : base(time, logger)
    {
        _ca = ca;
        _trust = trust;
        _leadership = leadership;
        _store = store;
        _period = options.Value.RootRotationCheckPeriod;
        _logger = logger;
    }

    protected override TimeSpan Period => _period;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        if (!_leadership.IsServing || _trust.Current?.Ca is not { Rotating: true })
        {
            _lastPending = -1;
            return;
        }

        // the state itself, not the copy read a few seconds ago: the rotation may have ended or restarted since
        var state = await _ca.CurrentAsync(cancellationToken);
        if (!state.Rotating)
        {
            return;
        }

        IReadOnlyList<Node> nodes;
        await using (var query = _store.QuerySession())
        {
            nodes = await query.Query<Node>().Where(n => !n.Removed && (n.Status == NodeStatus.Ready || n.Status == NodeStatus.Disconnected)).ToListAsync(cancellationToken);
        }

        var pending = PendingNodes(nodes, Fingerprints.Sha256(state.SigningRoot));
        if (pending.Count > 0)
        {
            if (pending.Count != _lastPending)
            {
                _logger.LogInformation("root rotation: {Count} nodes still hold a certificate of the old root ({Nodes})",
                    pending.Count, string.Join(", ", pending.Take(10).Select(n => $"{n.Hostname} {n.Id}")));
                _lastPending = pending.Count;
            }

            return;
        }

        if (!_leadership.IsServing)
        {
            return;
        }

        var completed = await _ca.CompleteRootRotationAsync(cancellationToken);
        _lastPending = -1;
        _logger.LogInformation("root rotation completed: every node holds a certificate of root {Root}; only it is trusted now", completed.RootFingerprints.FirstOrDefault());
        _trust.RequestRefresh();
    }

    /// <summary>
    /// The nodes a rotation still waits for: neither removed nor down (nor never seen: a node that joined but never
    /// registered counts as down, else it would hold the rotation forever), and without a certificate issued by
    /// <paramref name="signingRootFingerprint"/> (a node whose certificate is not known counts as not renewed).
    /// A node left out rejoins with a join token once the rotation completed.
    /// </summary>
    public static IReadOnlyList<Node> PendingNodes(IEnumerable<Node> nodes, string signingRootFingerprint) =>
        nodes.Where(n => !n.Removed && n.Status is not (NodeStatus.Down or NodeStatus.Unknown))
            .Where(n => !string.Equals(n.Certificate?.IssuerFingerprint, signingRootFingerprint, StringComparison.OrdinalIgnoreCase))
            .ToList();
}
