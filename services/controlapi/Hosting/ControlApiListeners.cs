using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Swarm.ControlApi.Contracts;
using Swarm.EventStore.Security;

namespace Swarm.ControlApi.Hosting;

/// <summary>
/// Where the control API listens — never on TCP unless told to:
/// <list type="bullet">
/// <item><c>ControlApi:Socket</c>: a unix socket (default <see cref="ControlSocket.DefaultPath()"/>), mode 0600 in a
/// 0700 directory, so only its owner (and root) can connect.</item>
/// <item><c>ControlApi:TlsUrl</c> (optional, e.g. <c>https://0.0.0.0:5443</c>): TLS with a server certificate from the
/// cluster CA; the handshake requires a client certificate of role swarm-manager chained to the cluster's roots.</item>
/// <item><c>ControlApi:HealthUrl</c> (optional, e.g. <c>http://127.0.0.1:5080</c>): plain http for <c>/healthz</c> and
/// <c>/metrics</c> only (<see cref="ControlApiAccess"/> refuses the rest).</item>
/// </list>
/// <c>ASPNETCORE_URLS</c> and <c>--urls</c> play no part.
/// </summary>
public static class ControlApiListeners
{
    public const string SocketKey = "ControlApi:Socket";
    public const string TlsUrlKey = "ControlApi:TlsUrl";
    public const string HealthUrlKey = "ControlApi:HealthUrl";

    public static string SocketPath(IConfiguration configuration) =>
        configuration[SocketKey] is { Length: > 0 } path ? Path.GetFullPath(path) : ControlSocket.DefaultPath();

    public static void Configure(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var socket = SocketPath(configuration);
        var tlsUrl = configuration[TlsUrlKey];
        var healthUrl = configuration[HealthUrlKey];
        var tls = tlsUrl is { Length: > 0 } ? ParseUrl(TlsUrlKey, tlsUrl, "https") : null;
        var health = healthUrl is { Length: > 0 } ? ParseUrl(HealthUrlKey, healthUrl, "http") : null;

        // the addresses below are the only ones: no default port 5000, no ASPNETCORE_URLS
        builder.WebHost.UseUrls();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            PrepareSocket(socket);
            kestrel.ListenUnixSocket(socket);
            if (tls is not null)
            {
                Listen(kestrel, tls, o => o.UseHttps(TlsOptions(kestrel.ApplicationServices)));
            }

            if (health is not null)
            {
                Listen(kestrel, health, _ => { });
            }
        });
        builder.Services.AddHostedService(sp => new SocketFileMode(socket, sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<SocketFileMode>>()));
    }

    /// <summary>An absolute http(s) URL with a port; the host an address, <c>localhost</c>, or <c>*</c>/<c>0.0.0.0</c>/<c>[::]</c> for every interface.</summary>
    public static Uri ParseUrl(string key, string text, string scheme)
    {
        var normalized = text.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != scheme || uri.IsDefaultPort && !text.Contains(":" + uri.Port, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{key} '{text}' is not a {scheme}:// URL with a port, e.g. {scheme}://127.0.0.1:{(scheme == "https" ? 5443 : 5080)}");
        }

        if (uri.Host != "localhost" && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out _))
        {
            throw new InvalidOperationException($"{key} '{text}' must name an address (0.0.0.0, 127.0.0.1, [::]) or localhost, not a host name");
        }

        return uri;
    }

    private static void Listen(KestrelServerOptions kestrel, Uri url, Action<ListenOptions> configure)
    {
        if (url.Host == "localhost")
        {
            kestrel.ListenLocalhost(url.Port, configure);
        }
        else if (IPAddress.Parse(url.Host.Trim('[', ']')) is var address && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
        {
            kestrel.ListenAnyIP(url.Port, configure);
        }
        else
        {
            kestrel.Listen(address, url.Port, configure);
        }
    }

    /// <summary>
    /// Per connection: the trust state now, the server certificate for it, and a handshake that requires a client
    /// certificate passing <see cref="AdminCertificates"/> (a worker's, a foreign or an expired one is refused there).
    /// </summary>
    private static TlsHandshakeCallbackOptions TlsOptions(IServiceProvider services) => new()
    {
        OnConnection = async context =>
        {
            var ca = services.GetRequiredService<ClusterCa>();
            var time = services.GetRequiredService<TimeProvider>();
            var state = await ca.CurrentAsync(context.CancellationToken);
            var server = await services.GetRequiredService<ServerCertificate>().CurrentAsync(state, context.CancellationToken);
            return new SslServerAuthenticationOptions
            {
                ServerCertificateContext = server,
                ClientCertificateRequired = true,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                    certificate is not null
                    && AdminCertificates.Verify(state, certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()),
                        chain?.ChainPolicy.ExtraStore ?? [], time.GetUtcNow()) is null,
            };
        },
    };

    /// <summary>
    /// Makes the socket's directory (0700) and removes a socket file left by a process that is gone; refuses to start
    /// when another process still answers on it.
    /// </summary>
    public static void PrepareSocket(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the control API's unix socket needs Linux or macOS");
        }

        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (!File.Exists(path))
        {
            return;
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new InvalidOperationException($"another process answers on the control socket {path} (ControlApi:Socket): is a control API already running?");
            }
            catch (SocketException)
            {
                // nobody listens: left by a process that ended without removing it
            }
        }

        File.Delete(path);
    }

    /// <summary>Sets the socket's mode to 0600 once it exists, and removes it when the process stops.</summary>
    private sealed class SocketFileMode(string path, IHostApplicationLifetime lifetime, ILogger<SocketFileMode> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                if (OperatingSystem.IsWindows())
                {
                    return;
                }

                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                logger.LogInformation("Control API on unix socket {Socket}", path);
            });
            lifetime.ApplicationStopped.Register(() =>
            {
                try
                {
                    File.Delete(path);
                }
                catch (IOException)
                {
                }
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
