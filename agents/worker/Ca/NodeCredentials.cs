using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Swarm.Security;
using Swarm.Worker.Agent;

namespace Swarm.Worker.Ca;

/// <summary>
/// The node's TLS credentials in its state directory, as operators' tools read them: <c>node.key</c> (PKCS#8 PEM,
/// mode 0600 from its creation), <c>node.crt</c> (the certificate, then the certificates presented along with it)
/// and <c>ca.crt</c> (the roots the node trusts), plus <c>node-id</c> (the certificate's CN, for the executors).
/// <see cref="Current"/> is swapped when the certificate is renewed; connections made after that use the new one.
/// </summary>
public sealed class NodeCredentials
{
    public const string KeyFile = "node.key";
    public const string CertificateFile = "node.crt";
    public const string RootsFile = "ca.crt";

    // a new set is written beside the old one and committed by moving the key into place
    private const string Pending = ".new";

    private volatile NodeCertificate _current;

    private NodeCredentials(string stateDir, NodeCertificate current)
    {
        StateDir = stateDir;
        _current = current;
    }

    public string StateDir { get; }

    public NodeCertificate Current => _current;

    /// <summary>
    /// The credentials stored in <paramref name="stateDir"/>; null when the node has none that is usable at
    /// <paramref name="now"/> (missing, unreadable, not chaining to the stored roots, expired): it must join with a token.
    /// </summary>
    public static NodeCredentials? Load(string stateDir, DateTimeOffset now, out string reason)
    {
        try
        {
            FinishPendingSave(stateDir);
            var keyPath = Path.Combine(stateDir, KeyFile);
            var certificatePath = Path.Combine(stateDir, CertificateFile);
            var rootsPath = Path.Combine(stateDir, RootsFile);
            if (!File.Exists(keyPath) || !File.Exists(certificatePath) || !File.Exists(rootsPath))
            {
                reason = $"{stateDir} holds no node certificate";
                return null;
            }

            var chain = Pem.ReadCertificates(File.ReadAllText(certificatePath));
            var roots = Pem.ReadCertificates(File.ReadAllText(rootsPath));
            if (chain.Count == 0 || roots.Count == 0)
            {
                reason = $"{(chain.Count == 0 ? certificatePath : rootsPath)} holds no certificate";
                return null;
            }

            var certificate = new NodeCertificate(Pem.WithKey(chain[0].ExportCertificatePem(), File.ReadAllText(keyPath)), [.. chain.Skip(1)], roots);
            if (CertificateChains.Verify(certificate.Certificate, roots, now, certificate.Intermediates) is { } problem)
            {
                reason = $"the node certificate in {certificatePath} is not usable: {problem}";
                return null;
            }

            reason = "";
            return new NodeCredentials(stateDir, certificate);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            reason = $"the node credentials in {stateDir} cannot be read: {ex.Message}";
            return null;
        }
    }

    /// <summary>Stores the credentials a join gave (the node id file included) and returns them.</summary>
    public static NodeCredentials Create(string stateDir, NodeCertificate certificate)
    {
        Save(stateDir, certificate);
        NodeIdentity.Save(stateDir, certificate.Identity.NodeId);
        return new NodeCredentials(stateDir, certificate);
    }

    /// <summary>Stores a renewed certificate (and the roots that came with it), then makes it the current one.</summary>
    public void Replace(NodeCertificate certificate)
    {
        Save(StateDir, certificate);
        _current = certificate;
    }

    private static void Save(string stateDir, NodeCertificate certificate)
    {
        Directory.CreateDirectory(stateDir);
        using var key = certificate.Certificate.GetECDsaPrivateKey() ?? throw new CryptographicException("the node certificate has no ECDSA private key");
        WriteAtomically(Path.Combine(stateDir, RootsFile + Pending), Pem.Certificates(certificate.Roots));
        WriteAtomically(Path.Combine(stateDir, CertificateFile + Pending), Pem.Certificates([certificate.Certificate, .. certificate.Intermediates]));
        Pem.WritePrivate(Path.Combine(stateDir, KeyFile + Pending), Pem.PrivateKey(key));
        FinishPendingSave(stateDir);
    }

    /// <summary>
    /// Completes a save a crash interrupted, or drops it. The new key is written last and moved into place last:
    /// while <c>node.key.new</c> exists the new set is complete and is moved into place; without it, other new
    /// files are the remains of a save that did not finish, and the old files stand.
    /// </summary>
    private static void FinishPendingSave(string stateDir)
    {
        var committed = File.Exists(Path.Combine(stateDir, KeyFile + Pending));
        foreach (var file in new[] { RootsFile, CertificateFile, KeyFile })
        {
            var path = Path.Combine(stateDir, file);
            if (!File.Exists(path + Pending))
            {
                continue;
            }

            if (committed)
            {
                File.Move(path + Pending, path, overwrite: true);
            }
            else
            {
                File.Delete(path + Pending);
            }
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
