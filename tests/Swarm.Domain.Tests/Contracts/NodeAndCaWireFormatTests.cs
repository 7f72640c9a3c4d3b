using System.Text.Json;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Tests.Contracts;

/// <summary>The JSON of the node removal, certificate and CA messages (see <see cref="WireFormatTests"/>).</summary>
public class NodeAndCaWireFormatTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly Guid NodeId = Guid.Parse("33333333-3333-3333-3333-333333333333");
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly NodeCertificateInfo Certificate = new()
    {
        Role = "swarm-worker",
        Serial = "0a1b",
        NotBefore = At,
        NotAfter = At.AddDays(90),
        IssuerFingerprint = "ff00",
    };

    private const string CertificateJson =
        """{"role":"swarm-worker","serial":"0a1b","notBefore":"2026-12-07T12:00:00+00:00","notAfter":"2027-03-07T12:00:00+00:00","issuerFingerprint":"ff00"}""";

    [Fact]
    public void RemoveNode_reads_the_documented_plain_json()
    {
        var command = JsonSerializer.Deserialize<RemoveNode>("""{ "commandId": "6f1c1d1e-0000-4000-8000-000000000002", "node": "worker-2", "force": true }""", Web)!;

        Assert.Equal((Guid.Parse("6f1c1d1e-0000-4000-8000-000000000002"), "worker-2", true), (command.CommandId, command.Node, command.Force));
        Assert.Equal(
            """{"commandId":"6f1c1d1e-0000-4000-8000-000000000002","node":"worker-2","force":true}""",
            JsonSerializer.Serialize(command, Web));
    }

    [Fact]
    public void NodeRemoved_keeps_its_member_names()
    {
        var e = new NodeRemoved { NodeId = NodeId, Hostname = "worker-2", Forced = true, At = At };

        Assert.Equal(
            """{"nodeId":"33333333-3333-3333-3333-333333333333","hostname":"worker-2","forced":true,"at":"2026-12-07T12:00:00+00:00"}""",
            JsonSerializer.Serialize(e, Web));
    }

    [Fact]
    public void NodeCertificateIssued_and_NodeRegistered_carry_the_certificate_facts()
    {
        var issued = new NodeCertificateIssued { NodeId = NodeId, Certificate = Certificate, Reason = "renew", At = At };
        Assert.Equal(
            $$"""{"nodeId":"33333333-3333-3333-3333-333333333333","certificate":{{CertificateJson}},"reason":"renew","at":"2026-12-07T12:00:00+00:00"}""",
            JsonSerializer.Serialize(issued, Web));

        var registered = JsonSerializer.Serialize(new NodeRegistered { NodeId = NodeId, Certificate = Certificate, At = At }, Web);
        Assert.Contains($"\"certificate\":{CertificateJson}", registered, StringComparison.Ordinal);

        // events written before mutual TLS have no certificate
        var old = JsonSerializer.Deserialize<NodeRegistered>("""{"nodeId":"33333333-3333-3333-3333-333333333333","description":{"hostname":"w"},"at":"2026-12-07T12:00:00+00:00"}""", Web)!;
        Assert.Null(old.Certificate);
    }

    [Fact]
    public void ClusterCaChanged_keeps_its_member_names()
    {
        var e = new ClusterCaChanged { ClusterId = NodeId, Change = "join-token-rotated", RootFingerprints = ["aa", "bb"], TokenKind = "worker", At = At };

        Assert.Equal(
            """{"clusterId":"33333333-3333-3333-3333-333333333333","change":"join-token-rotated","rootFingerprints":["aa","bb"],"tokenKind":"worker","at":"2026-12-07T12:00:00+00:00"}""",
            JsonSerializer.Serialize(e, Web));
    }

    [Fact]
    public void The_node_certificate_lifetime_setting_keeps_its_name_and_old_events_read_as_unset()
    {
        var command = JsonSerializer.Deserialize<UpdateCluster>("""{ "commandId": "6f1c1d1e-0000-4000-8000-000000000003", "nodeCertExpirySeconds": 86400 }""", Web)!;
        Assert.Equal((86400L, (int?)null), (command.NodeCertExpirySeconds, command.TaskHistoryLimit));

        Assert.Equal(
            """{"clusterId":"33333333-3333-3333-3333-333333333333","taskHistoryLimit":5,"nodeCertExpirySeconds":86400,"at":"2026-12-07T12:00:00+00:00"}""",
            JsonSerializer.Serialize(new ClusterUpdated { ClusterId = NodeId, TaskHistoryLimit = 5, NodeCertExpirySeconds = 86400, At = At }, Web));
        var old = JsonSerializer.Deserialize<ClusterUpdated>("""{"clusterId":"33333333-3333-3333-3333-333333333333","taskHistoryLimit":5,"at":"2026-12-07T12:00:00+00:00"}""", Web)!;
        Assert.Equal(0, old.NodeCertExpirySeconds);
    }
}
