namespace Swarm.Ctl.Api;

/// <summary>
/// The files of a TLS connection to the control API: the cluster's roots (<c>ca.pem</c>), the administrator's
/// certificate (<c>cert.pem</c>) and its key (<c>key.pem</c>), as <c>cluster ca --issue-client-cert</c> writes them.
/// </summary>
public sealed record TlsFiles(string CaCert, string Cert, string Key)
{
    public const string CaFile = "ca.pem";
    public const string CertFile = "cert.pem";
    public const string KeyFile = "key.pem";

    /// <summary>The three files of a directory (<c>--tls-dir</c>, <c>SWARM_CERT_PATH</c>).</summary>
    public static TlsFiles InDirectory(string directory) =>
        new(Path.Combine(directory, CaFile), Path.Combine(directory, CertFile), Path.Combine(directory, KeyFile));
}
