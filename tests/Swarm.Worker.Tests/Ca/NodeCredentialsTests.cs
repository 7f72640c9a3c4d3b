using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Swarm.Security;
using Swarm.Worker.Agent;
using Swarm.Worker.Ca;

namespace Swarm.Worker.Tests.Ca;

public sealed class NodeCredentialsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = TestCa.TempDir();
    private readonly RootCa _ca = TestCa.Create(Now);

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Stored_credentials_load_back_with_a_usable_key_and_the_node_id_file()
    {
        var issued = TestCa.Node(_ca, Now, TimeSpan.FromDays(90), "node-abc");
        NodeCredentials.Create(_dir, issued);

        var loaded = NodeCredentials.Load(_dir, Now.AddDays(1), out var reason);

        Assert.NotNull(loaded);
        Assert.Equal("", reason);
        Assert.Equal(issued.Certificate.Thumbprint, loaded.Current.Certificate.Thumbprint);
        Assert.Equal([_ca.Certificate.Thumbprint], loaded.Current.Roots.Select(r => r.Thumbprint));
        Assert.Equal(new CertificateIdentity("node-abc", NodeRoles.Worker, TestCa.ClusterId), loaded.Current.Identity);
        Assert.Equal("node-abc", NodeIdentity.Load(_dir));

        // the stored key is the certificate's
        using var key = loaded.Current.Certificate.GetECDsaPrivateKey();
        Assert.NotNull(key);
        var data = Encoding.UTF8.GetBytes("hello");
        using var publicKey = issued.Certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(data, key.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));

        // files as operators' tools read them
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(Path.Combine(_dir, NodeCredentials.KeyFile)));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(Path.Combine(_dir, NodeCredentials.CertificateFile)));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(Path.Combine(_dir, NodeCredentials.RootsFile)));
    }

    [SkippableFact]
    public void The_key_file_is_readable_by_its_owner_only()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS());
        NodeCredentials.Create(_dir, TestCa.Node(_ca, Now, TimeSpan.FromDays(90)));

#pragma warning disable CA1416 // skipped elsewhere
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, NodeCredentials.KeyFile)));
#pragma warning restore CA1416
        Assert.Empty(Directory.GetFiles(_dir, "*.new*"));
    }

    [Fact]
    public void A_state_dir_without_credentials_needs_a_join()
    {
        Assert.Null(NodeCredentials.Load(_dir, Now, out var reason));
        Assert.Contains("no node certificate", reason);
    }

    [Fact]
    public void An_expired_certificate_needs_a_join()
    {
        NodeCredentials.Create(_dir, TestCa.Node(_ca, Now, TimeSpan.FromHours(1)));

        Assert.NotNull(NodeCredentials.Load(_dir, Now.AddMinutes(30), out _));
        Assert.Null(NodeCredentials.Load(_dir, Now.AddHours(2), out var reason));
        Assert.Contains("expired", reason);
    }

    [Fact]
    public void A_certificate_of_another_CA_than_the_stored_roots_needs_a_join()
    {
        using var other = TestCa.Create(Now, "cluster-other");
        NodeCredentials.Create(_dir, TestCa.Node(_ca, Now, TimeSpan.FromDays(90)));
        File.WriteAllText(Path.Combine(_dir, NodeCredentials.RootsFile), Pem.Certificates([other.Certificate]));

        Assert.Null(NodeCredentials.Load(_dir, Now, out var reason));
        Assert.Contains("not issued by this cluster's CA", reason);
    }

    [Fact]
    public void A_damaged_certificate_file_needs_a_join()
    {
        NodeCredentials.Create(_dir, TestCa.Node(_ca, Now, TimeSpan.FromDays(90)));
        File.WriteAllText(Path.Combine(_dir, NodeCredentials.CertificateFile), "garbage");

        Assert.Null(NodeCredentials.Load(_dir, Now, out _));
    }

    [Fact]
    public void A_key_that_is_not_the_certificates_needs_a_join()
    {
        NodeCredentials.Create(_dir, TestCa.Node(_ca, Now, TimeSpan.FromDays(90)));
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Pem.WritePrivate(Path.Combine(_dir, NodeCredentials.KeyFile), Pem.PrivateKey(stranger));

        Assert.Null(NodeCredentials.Load(_dir, Now, out var reason));
        Assert.Contains("cannot be read", reason);
    }

    [Fact]
    public void A_renewed_certificate_replaces_the_current_one_and_the_stored_one()
    {
        var credentials = NodeCredentials.Create(_dir, TestCa.Node(_ca, Now, TimeSpan.FromDays(90)));
        var renewed = TestCa.Node(_ca, Now.AddDays(50), TimeSpan.FromDays(90));

        credentials.Replace(renewed);

        Assert.Same(renewed, credentials.Current);
        Assert.Equal(renewed.Certificate.Thumbprint, NodeCredentials.Load(_dir, Now.AddDays(100), out _)!.Current.Certificate.Thumbprint);
    }

    [Fact]
    public void A_save_cut_short_before_the_new_key_was_written_leaves_the_old_credentials()
    {
        var old = TestCa.Node(_ca, Now, TimeSpan.FromDays(90));
        NodeCredentials.Create(_dir, old);
        var renewed = TestCa.Node(_ca, Now, TimeSpan.FromDays(90));
        File.WriteAllText(Path.Combine(_dir, NodeCredentials.CertificateFile + ".new"), Pem.Certificates([renewed.Certificate]));

        var loaded = NodeCredentials.Load(_dir, Now, out _);

        Assert.Equal(old.Certificate.Thumbprint, loaded!.Current.Certificate.Thumbprint);
        Assert.Empty(Directory.GetFiles(_dir, "*.new"));
    }

    [Fact]
    public void A_save_cut_short_after_the_new_key_was_written_is_completed()
    {
        NodeCredentials.Create(_dir, TestCa.Node(_ca, Now, TimeSpan.FromDays(90)));
        var renewed = TestCa.Node(_ca, Now, TimeSpan.FromDays(90));
        File.WriteAllText(Path.Combine(_dir, NodeCredentials.CertificateFile + ".new"), Pem.Certificates([renewed.Certificate]));
        using var key = renewed.Certificate.GetECDsaPrivateKey()!;
        Pem.WritePrivate(Path.Combine(_dir, NodeCredentials.KeyFile + ".new"), Pem.PrivateKey(key));

        var loaded = NodeCredentials.Load(_dir, Now, out _);

        Assert.Equal(renewed.Certificate.Thumbprint, loaded!.Current.Certificate.Thumbprint);
        Assert.Empty(Directory.GetFiles(_dir, "*.new"));
    }
}
