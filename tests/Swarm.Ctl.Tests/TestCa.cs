using System.Security.Cryptography.X509Certificates;
using Swarm.Security;

namespace Swarm.Ctl.Tests;

/// <summary>A cluster CA for the TLS tests: a root, and certificates with their keys for a role.</summary>
internal sealed class TestCa : IDisposable
{
    public TestCa(string clusterId = "cluster-1") => Root = RootCa.Create(clusterId, DateTimeOffset.UtcNow);

    public RootCa Root { get; }

    /// <summary>A certificate with its key for <paramref name="role"/> (CN <paramref name="name"/>).</summary>
    public X509Certificate2 Issue(string name, string role, string clusterId = "cluster-1")
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var cert = Root.Issue(csr, new CertificateIdentity(name, role, clusterId), DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
            return Pem.WithKey(cert.ExportCertificatePem(), Pem.PrivateKey(key));
        }
    }

    /// <summary>Writes ca.pem (this CA's root), cert.pem and key.pem of a new certificate for <paramref name="role"/> into <paramref name="directory"/>.</summary>
    public void WriteClientFiles(string directory, string role, string clusterId = "cluster-1")
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var cert = Root.Issue(csr, new CertificateIdentity("alice", role, clusterId), DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "ca.pem"), Pem.Certificates([Root.Certificate]));
            File.WriteAllText(Path.Combine(directory, "cert.pem"), cert.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "key.pem"), Pem.PrivateKey(key));
        }
    }

    public void Dispose() => Root.Dispose();
}
