using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Swarm.ControlApi.Hosting;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.ControlApi.Logs;

/// <summary>
/// The control API's client of the dispatchers' log endpoint: HTTP/2 over mutual TLS, presenting this process's
/// manager certificate and accepting only a dispatcher that shows a manager certificate of this cluster.
/// </summary>
public sealed class DispatcherLogClient : IDisposable
{
    private readonly ClusterCa _ca;
    private readonly ServerCertificate _certificates;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private volatile CaState? _state;
    private volatile SslStreamCertificateContext? _mine;

    public DispatcherLogClient(ClusterCa ca, ServerCertificate certificates, TimeProvider time)
    {
        _ca = ca;
        _certificates = certificates;
        _time = time;
        var ssl = new SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = (_, _, _, _, _) => _mine?.TargetCertificate!,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => certificate is X509Certificate2 peer && VerifyDispatcher(peer, chain),
        };
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), SslOptions = ssl })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Sends the GET with the current trust state and certificate (read before each request).</summary>
    public async Task<HttpResponseMessage> GetAsync(string url, CancellationToken cancellationToken)
    {
        var state = await _ca.CurrentAsync(cancellationToken);
        _mine = await _certificates.CurrentAsync(state, cancellationToken);
        _state = state;
        return await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Sends <paramref name="request"/> (a manager call such as an unlock) with the current trust state and certificate.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var state = await _ca.CurrentAsync(cancellationToken);
        _mine = await _certificates.CurrentAsync(state, cancellationToken);
        _state = state;
        request.Version = HttpVersion.Version20; // a message made by the caller does not take the client's defaults
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        return await _http.SendAsync(request, cancellationToken);
    }

    private bool VerifyDispatcher(X509Certificate2 peer, X509Chain? chain)
    {
        if (_state is not { } state)
        {
            return false;
        }

        var sentAlong = chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>() ?? [];
        return CertificateChains.VerifyPeer(peer, state.Roots, _time.GetUtcNow(), NodeRoles.Manager, state.ClusterId, [.. state.Intermediates, .. sentAlong]) is null;
    }

    public void Dispose() => _http.Dispose();
}
