using Swarm.Contracts.Model;
using Swarm.Dispatcher.Security;
using Swarm.Domain.Nodes;
using Swarm.Security;

namespace Swarm.Dispatcher.Tests.Security;

public sealed class ClusterTrustTests : IDisposable
{
    private readonly TestCa _ca = new();

    [Fact]
    public void The_manager_certificate_is_renewed_when_missing_at_two_thirds_of_its_life_and_when_the_signing_root_changes()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.True(ClusterTrust.NeedsNewManagerCertificate(_ca.State, null, now));

        var fresh = _ca.Issue("dispatcher-a", NodeRoles.Manager, now, TimeSpan.FromDays(90));
        var notBefore = new DateTimeOffset(fresh.NotBefore.ToUniversalTime());
        var life = new DateTimeOffset(fresh.NotAfter.ToUniversalTime()) - notBefore;
        Assert.False(ClusterTrust.NeedsNewManagerCertificate(_ca.State, fresh, now));
        Assert.False(ClusterTrust.NeedsNewManagerCertificate(_ca.State, fresh, notBefore + life * 0.6));
        Assert.True(ClusterTrust.NeedsNewManagerCertificate(_ca.State, fresh, notBefore + life * 0.7));

        _ca.StartRotation();
        Assert.True(ClusterTrust.NeedsNewManagerCertificate(_ca.State, fresh, now));
        Assert.False(ClusterTrust.NeedsNewManagerCertificate(_ca.State, _ca.Issue("dispatcher-a", NodeRoles.Manager), now));
    }

    [Fact]
    public void An_update_says_whether_the_trusted_roots_changed()
    {
        var trust = new ClusterTrust(TimeProvider.System);
        var manager = _ca.Issue("dispatcher-a", NodeRoles.Manager);
        Assert.True(trust.Update(_ca.State, manager));
        Assert.False(trust.Update(_ca.State, manager));
        Assert.False(trust.Update(_ca.State, _ca.Issue("dispatcher-a", NodeRoles.Manager)));

        _ca.StartRotation();
        Assert.True(trust.Update(_ca.State, manager));
        Assert.Equal(2, trust.Current!.Ca.Roots.Count);
        _ = _ca.CompleteRootRotationAsync(CancellationToken.None);
        Assert.True(trust.Update(_ca.State, manager));
    }

    [Fact]
    public void A_rotation_waits_for_every_node_that_is_up_and_not_removed_to_hold_a_certificate_of_the_new_root()
    {
        const string newRoot = "aa11";
        static Node Node(string host, NodeStatus status, string? issuer, bool removed = false) => new()
        {
            Id = Guid.NewGuid(),
            Description = new NodeDescription { Hostname = host },
            Status = status,
            Removed = removed,
            Certificate = issuer is null ? null : new NodeCertificateInfo { IssuerFingerprint = issuer },
        };

        var renewed = Node("renewed", NodeStatus.Ready, newRoot);
        var old = Node("old", NodeStatus.Ready, "bb22");
        var unknown = Node("unknown", NodeStatus.Disconnected, null);
        var down = Node("down", NodeStatus.Down, "bb22");
        var removed = Node("removed", NodeStatus.Ready, "bb22", removed: true);
        var neverSeen = Node("never-registered", NodeStatus.Unknown, "bb22");

        var pending = Swarm.Dispatcher.Security.RootRotationService.PendingNodes([renewed, old, unknown, down, removed, neverSeen], newRoot);
        Assert.Equal(["old", "unknown"], pending.Select(n => n.Hostname));
        Assert.Empty(Swarm.Dispatcher.Security.RootRotationService.PendingNodes([renewed, down, removed], newRoot.ToUpperInvariant()));
    }

    [Fact]
    public void Removed_nodes_are_never_forgotten_and_each_is_reported_new_once()
    {
        var revoked = new RevokedNodes();
        Assert.False(revoked.Loaded);
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        Assert.True(revoked.Add(a));
        Assert.False(revoked.Add(a));
        Assert.Equal([b], revoked.AddLoaded([a, b]));
        Assert.True(revoked.Loaded);
        Assert.Empty(revoked.AddLoaded([]));
        Assert.True(revoked.Contains(a) && revoked.Contains(b));
    }

    public void Dispose() => _ca.Dispose();
}
