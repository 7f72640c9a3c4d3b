using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Swarm.Security;

/// <summary>Files of keys and certificates as an operator's tools (openssl, curl, docker) read them.</summary>
public static class Pem
{
    public static string Certificates(IEnumerable<X509Certificate2> certificates) =>
        string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));

    public static IReadOnlyList<X509Certificate2> ReadCertificates(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return [.. collection];
    }

    /// <summary>Writes <paramref name="text"/> so that only the owner may read it (mode 0600 from the start).</summary>
    public static void WritePrivate(string path, string text)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A certificate with its private key, from the two PEM texts.</summary>
    public static X509Certificate2 WithKey(string certificatePem, string keyPem)
    {
        using var cert = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        // an ephemeral key is refused by SslStream on some platforms: round-trip through PKCS#12 in memory
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public static string PrivateKey(ECDsa key) => key.ExportPkcs8PrivateKeyPem();
}
