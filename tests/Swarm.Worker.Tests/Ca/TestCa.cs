using System.Security.Cryptography.X509Certificates;
using Swarm.Security;
using Swarm.Worker.Ca;

namespace Swarm.Worker.Tests.Ca;

/// <summary>Test clusters' CAs, made with <see cref="RootCa"/> directly (no database).</summary>
public static class TestCa
{
    public const string ClusterId = "cluster-test";

    public static RootCa Create(DateTimeOffset now, string clusterId = ClusterId) => RootCa.Create(clusterId, now);

    /// <summary>A node certificate with its key, as a join would give it.</summary>
    public static NodeCertificate Node(RootCa ca, DateTimeOffset now, TimeSpan validity, string nodeId = "node-1", string role = NodeRoles.Worker, string clusterId = ClusterId)
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var issued = ca.Issue(csr, new CertificateIdentity(nodeId, role, clusterId), now, validity);
            return NodeCertificate.Issued(key, issued.RawData, [], [ca.Certificate.RawData], now);
        }
    }

    /// <summary>A dispatcher's (a manager's) certificate with its key.</summary>
    public static X509Certificate2 Dispatcher(RootCa ca, DateTimeOffset now, string clusterId = ClusterId, string role = NodeRoles.Manager) =>
        Node(ca, now, TimeSpan.FromDays(30), "dispatcher-1", role, clusterId).Certificate;

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "swarm-worker-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
