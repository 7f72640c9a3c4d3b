using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Swarm.Security;

namespace Swarm.Ctl.Api;

/// <summary>
/// The HTTP client of an API address: <c>unix:///path</c> (the control socket), <c>https://</c> (mutual TLS: the
/// server must hold a manager certificate chained to the given CA — no host-name check, the CA is the cluster's
/// own — and this client presents the administrator's certificate) or <c>http://</c> (test doubles only).
/// </summary>
public sealed class ApiTransport
{
    private string? _serverProblem;

    private ApiTransport(Uri address) => Address = address;

    public Uri Address { get; }

    /// <summary>How the address is shown in messages: the socket's path, or the URL.</summary>
    public string Display => Address.Scheme == "unix" ? Address.AbsolutePath : Address.ToString().TrimEnd('/');

    /// <summary>Why the server's certificate was refused in the last handshake, if it was.</summary>
    public string? ServerProblem => _serverProblem;

    public static (HttpClient Client, ApiTransport Transport) Create(Uri address, TlsFiles? tls, TimeSpan timeout)
    {
        var transport = new ApiTransport(address);
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        Uri baseAddress;
        switch (address.Scheme)
        {
            case "unix":
                var path = address.AbsolutePath;
                handler.ConnectCallback = (_, ct) => ConnectUnixAsync(path, ct);
                baseAddress = new Uri("http://localhost/");
                break;
            case "https":
                handler.SslOptions = transport.ClientTls(tls ?? throw new ApiTransportException(
                    $"{address} is a TLS address: give the client certificate with --tls-dir DIR (or --tlscacert, --tlscert and --tlskey, or SWARM_CERT_PATH); get one with 'swarmctl cluster ca --issue-client-cert --out DIR' on a manager"));
                baseAddress = address;
                break;
            default:
                baseAddress = address;
                break;
        }

        return (new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout }, transport);
    }

    /// <summary>Connects to the control socket; a missing socket or one this user may not open is said plainly.</summary>
    public static async ValueTask<Stream> ConnectUnixAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            throw new ApiTransportException($"no control API socket at {path}: is the cluster up? (./swarm up) or set SWARM_API / --host");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new ApiTransportException(ex.SocketErrorCode switch
            {
                SocketError.AccessDenied => $"permission denied on the control API socket {path}: it is open to its owner only; run swarmctl as that user (or root)",
                SocketError.ConnectionRefused => $"nothing answers on the control API socket {path} (connection refused): is the control API running? (./swarm up)",
                _ => $"cannot connect to the control API socket {path}: {ex.Message}",
            }, ex);
        }
    }

    private SslClientAuthenticationOptions ClientTls(TlsFiles files)
    {
        var roots = Read(files.CaCert, "CA certificate (--tlscacert)", text => Pem.ReadCertificates(text));
        if (roots.Count == 0)
        {
            throw new ApiTransportException($"{files.CaCert} holds no certificate (--tlscacert: the cluster's ca.pem)");
        }

        var (leaf, chain) = LoadClientCertificate(files);
        return new SslClientAuthenticationOptions
        {
            TargetHost = Address.IdnHost,
            ClientCertificateContext = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(chain.ToArray()), offline: true),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, sent, _) =>
            {
                _serverProblem = certificate is null
                    ? "the server sent no certificate"
                    : CertificateChains.VerifyPeer(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()),
                        roots, DateTimeOffset.UtcNow, NodeRoles.Manager, clusterId: null, sent?.ChainPolicy.ExtraStore);
                return _serverProblem is null;
            },
        };
    }

    private static (X509Certificate2 Leaf, IReadOnlyList<X509Certificate2> Chain) LoadClientCertificate(TlsFiles files)
    {
        var certPem = Read(files.Cert, "client certificate (--tlscert)", text => text);
        var keyPem = Read(files.Key, "client key (--tlskey)", text => text);
        var certificates = Pem.ReadCertificates(certPem);
        if (certificates.Count == 0)
        {
            throw new ApiTransportException($"{files.Cert} holds no certificate (--tlscert: the cert.pem written by 'swarmctl cluster ca --issue-client-cert')");
        }

        try
        {
            return (Pem.WithKey(certificates[0].ExportCertificatePem(), keyPem), certificates.Skip(1).ToList());
        }
        catch (CryptographicException ex)
        {
            throw new ApiTransportException($"{files.Key} is not the key of {files.Cert}: {ex.Message}", ex);
        }
    }

    private static T Read<T>(string path, string what, Func<string, T> parse)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ApiTransportException($"cannot read the {what} {path}: {ex.Message}", ex);
        }

        try
        {
            return parse(text);
        }
        catch (CryptographicException ex)
        {
            throw new ApiTransportException($"the {what} {path} is not PEM: {ex.Message}", ex);
        }
    }
}
