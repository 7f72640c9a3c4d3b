using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;

namespace Swarm.Domain.Tests.Nodes;

public class NodeEventsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.Parse("33333333-3333-3333-3333-333333333333");

    private static NodeCertificateInfo Cert(string serial, DateTimeOffset notBefore) => new()
    {
        Role = "swarm-worker",
        Serial = serial,
        NotBefore = notBefore,
        NotAfter = notBefore.AddDays(90),
        IssuerFingerprint = "ab12",
    };

    private static NodeRegistered Registered(NodeCertificateInfo? certificate, DateTimeOffset at, string hostname = "worker-1") =>
        new() { NodeId = Id, Description = new NodeDescription { Hostname = hostname }, Certificate = certificate, At = at };

    [Fact]
    public void A_registration_records_the_certificate_it_was_made_with()
    {
        var node = Node.Create(Registered(Cert("01", T0), T0));

        Assert.Equal(Cert("01", T0), node.Certificate);
        Assert.False(node.Removed);
        Assert.Null(node.RemovedAt);
    }

    [Fact]
    public void An_issued_certificate_replaces_the_one_known()
    {
        var node = Node.Create(Registered(Cert("01", T0), T0))
            .Apply(new NodeCertificateIssued { NodeId = Id, Certificate = Cert("02", T0.AddDays(50)), Reason = "renew", At = T0.AddDays(50) });

        Assert.Equal("02", node.Certificate!.Serial);
        Assert.Equal(T0.AddDays(50), node.UpdatedAt);
    }

    [Fact]
    public void A_registration_without_a_certificate_keeps_the_one_known()
    {
        var node = Node.Create(Registered(Cert("01", T0), T0)).Apply(Registered(null, T0.AddMinutes(1)));

        Assert.Equal("01", node.Certificate!.Serial);
    }

    [Fact]
    public void A_removal_marks_the_node_removed_once_and_keeps_its_first_time()
    {
        var node = Node.Create(Registered(null, T0))
            .Apply(new NodeRemoved { NodeId = Id, Hostname = "worker-1", At = T0.AddMinutes(5) })
            .Apply(new NodeRemoved { NodeId = Id, Hostname = "worker-1", At = T0.AddMinutes(9) });

        Assert.True(node.Removed);
        Assert.Equal(T0.AddMinutes(5), node.RemovedAt);
    }

    [Fact]
    public void A_registration_that_reaches_the_log_after_the_removal_does_not_bring_the_node_back()
    {
        var node = Node.Create(Registered(null, T0))
            .Apply(new NodeRemoved { NodeId = Id, Hostname = "worker-1", At = T0.AddMinutes(5) })
            .Apply(Registered(Cert("03", T0.AddMinutes(6)), T0.AddMinutes(6), "worker-1b"))
            .Apply(new NodeStatusChanged { NodeId = Id, Status = NodeStatus.Ready, Message = "node registered", At = T0.AddMinutes(6) });

        Assert.True(node.Removed);
        Assert.Equal(T0.AddMinutes(5), node.RemovedAt);
        Assert.Null(NodeDecisions.Remove(node, "worker-1b", force: true, T0.AddMinutes(7)).Events.SingleOrDefault());
    }
}
