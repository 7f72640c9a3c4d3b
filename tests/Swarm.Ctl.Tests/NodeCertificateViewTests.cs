using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Output;

namespace Swarm.Ctl.Tests;

/// <summary><c>node inspect</c> shows the certificate's role, expiry and issuer, and so the node's TLS status.</summary>
public sealed class NodeCertificateViewTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static NodeView Node(NodeCertificateInfo? certificate) => new() { Id = Guid.NewGuid(), Hostname = "worker-1", Role = "worker", Certificate = certificate };

    [Fact]
    public void A_node_with_a_certificate_shows_role_expiry_and_issuer()
    {
        var text = Views.Node(Node(new NodeCertificateInfo { Role = "swarm-worker", Serial = "0A1B", NotAfter = Now.AddDays(30), IssuerFingerprint = "ab12" }), Now);

        Assert.Contains("TLS:", text);
        Assert.Contains("mutual TLS", text);
        Assert.Contains("swarm-worker", text);
        Assert.Contains("2027-01-06T12:00:00.000Z", text);
        Assert.Contains("root ab12", text);
    }

    [Fact]
    public void An_expired_certificate_and_none_are_said_so()
    {
        Assert.Contains("EXPIRED", Views.Node(Node(new NodeCertificateInfo { NotAfter = Now.AddHours(-1) }), Now));
        Assert.Contains("no certificate", Views.Node(Node(null), Now));
    }
}
