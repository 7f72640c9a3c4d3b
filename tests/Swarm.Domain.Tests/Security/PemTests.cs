using System.Runtime.Versioning;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Swarm.Security;

namespace Swarm.Domain.Tests.Security;

public sealed class PemTests
{
    [Fact]
    public void Certificates_round_trip_through_pem()
    {
        using var a = RootCa.Create("c", DateTimeOffset.UtcNow);
        using var b = RootCa.Create("c", DateTimeOffset.UtcNow);
        var pem = Pem.Certificates([a.Certificate, b.Certificate]);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", pem, StringComparison.Ordinal);
        var read = Pem.ReadCertificates(pem);
        Assert.Equal([a.Fingerprint, b.Fingerprint], read.Select(Fingerprints.Sha256));
    }

    [Fact]
    public async Task A_certificate_with_its_key_from_pem_serves_tls()
    {
        var now = DateTimeOffset.UtcNow;
        using var ca = RootCa.Create("c", now);
        var (key, csr) = RootCa.NewKeyAndRequest();
        using var _ = key;
        using var issued = ca.Issue(csr, new CertificateIdentity("manager-1", NodeRoles.Manager, "c"), now, TimeSpan.FromDays(1));
        using var server = Pem.WithKey(issued.ExportCertificatePem(), Pem.PrivateKey(key));
        Assert.True(server.HasPrivateKey);

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(accepted.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = server });
            await tls.WriteAsync("ok"u8.ToArray());
        });

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var clientTls = new SslStream(client.GetStream());
        string? problem = "not checked";
        await clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "swarm-manager",
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                using var presented = X509CertificateLoader.LoadCertificate(cert!.GetRawCertData());
                problem = CertificateChains.VerifyPeer(presented, [ca.Certificate], DateTimeOffset.UtcNow, NodeRoles.Manager, "c");
                return problem is null;
            },
        });
        var buffer = new byte[2];
        await clientTls.ReadExactlyAsync(buffer);
        await serving;
        Assert.Null(problem);
        Assert.Equal("ok"u8.ToArray(), buffer);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void A_private_file_is_written_with_mode_0600()
    {
        var dir = Directory.CreateTempSubdirectory("swarm-pem-").FullName;
        try
        {
            var path = Path.Combine(dir, "key.pem");
            File.WriteAllText(path, "old");
            File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
            Pem.WritePrivate(path, "new");
            Assert.Equal("new", File.ReadAllText(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.False(File.Exists(path + ".tmp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
