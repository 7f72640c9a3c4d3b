using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Swarm.Dispatcher.Api;
using Swarm.Security;
using Swarm.Worker.Agent;

namespace Swarm.Worker.Ca;

/// <summary>
/// Keeps the node's certificate current (SwarmKit's TLS renewer): at a random point between 50 % and 80 % of its
/// lifetime, and at once when the session names roots other than the node's (a root rotation began or ended),
/// it sends a signing request for a new key over the node's mutual-TLS channel, stores what it gets and makes the
/// channels made from then on present it. The session and the tasks carry on. A failure is retried with back-off.
/// New roots are taken only from that channel, which the node's current roots verified.
/// </summary>
public sealed class CertificateRenewer
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    // Task.Delay takes at most ~49 days; lifetimes may be longer
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly object _gate = new();
    private readonly string _hostname;
    private readonly NodeCredentials _credentials;
    private readonly NodeCA.NodeCAClient _client;
    private readonly DispatcherEndpoints _endpoints;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlySet<string>? _announcedRoots;
    private bool _rootsChanged;

    /// <param name="client">the CA, reached through <paramref name="endpoints"/> (the node's mutual-TLS channels)</param>
    public CertificateRenewer(string hostname, NodeCredentials credentials, NodeCA.NodeCAClient client, DispatcherEndpoints endpoints, TimeProvider time, ILogger logger,
        Random? random = null)
    {
        _hostname = hostname;
        _credentials = credentials;
        _client = client;
        _endpoints = endpoints;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared;
    }

    /// <summary>When the current certificate is due for renewal (unless the roots change first).</summary>
    public DateTimeOffset Due { get; private set; }

    /// <summary>
    /// The roots the cluster trusts now, as the session announced them: when they differ from the node's, it renews
    /// at once (once per announced set, so a set the node cannot match does not make it renew on every session).
    /// </summary>
    public void RootsAnnounced(IEnumerable<string> fingerprints)
    {
        var announced = fingerprints.ToHashSet(StringComparer.OrdinalIgnoreCase);
        lock (_gate)
        {
            if (announced.Count == 0 || announced.SetEquals(_credentials.Current.RootFingerprints) || _announcedRoots?.SetEquals(announced) == true)
            {
                return;
            }

            _announcedRoots = announced;
            _rootsChanged = true;
            _wake.TrySetResult();
        }

        _logger.LogInformation("{Hostname}: the cluster's roots changed; renewing the node certificate", _hostname);
    }

    /// <summary>
    /// Renews whenever due until cancelled. Throws <see cref="NodeRemovedException"/> when the CA answers that the
    /// node was removed from the cluster.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = MinBackoff;
        Due = RenewalSchedule.Next(_credentials.Current.Certificate, _random);
        _logger.LogDebug("{Hostname}: node certificate renewal due at {Due:u}", _hostname, Due);
        while (true)
        {
            var rootsChanged = await WaitAsync(cancellationToken);
            try
            {
                await RenewAsync(rootsChanged, cancellationToken);
                backoff = MinBackoff;
                Due = RenewalSchedule.Next(_credentials.Current.Certificate, _random);
                _logger.LogInformation("{Hostname}: node certificate renewed, valid until {NotAfter:u}; next renewal at {Due:u}",
                    _hostname, _credentials.Current.Certificate.NotAfter.ToUniversalTime(), Due);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
            {
                throw new NodeRemovedException(ex.Status.Detail);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (rootsChanged)
                {
                    lock (_gate)
                    {
                        _rootsChanged = true;
                    }
                }

                var detail = ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
                _logger.LogWarning("{Hostname}: renewing the node certificate failed ({Detail}); retrying in {Delay} s", _hostname, detail, (int)backoff.TotalSeconds);
                Due = _time.GetUtcNow() + backoff;
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Waits until <see cref="Due"/> or until the roots change; says whether they did.</summary>
    private async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wake;
            lock (_gate)
            {
                if (_rootsChanged)
                {
                    _rootsChanged = false;
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    return true;
                }

                wake = _wake.Task;
            }

            var left = Due - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(left < LongestWait ? left : LongestWait, _time, delay.Token);
            await Task.WhenAny(timer, wake);
            await delay.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task RenewAsync(bool rootsChanged, CancellationToken cancellationToken)
    {
        var current = _credentials.Current;

        // the roots the cluster trusts now, over the channel the node's current roots verified
        IReadOnlyList<ByteString>? roots = null;
        if (rootsChanged)
        {
            var answer = await _client.GetRootCACertificateAsync(new GetRootCACertificateRequest(), deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken);
            roots = answer.Roots;
        }

        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            var answer = await _client.RenewNodeCertificateAsync(new RenewNodeCertificateRequest { Csr = ByteString.CopyFrom(csr) },
                deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken);
            roots ??= answer.Roots.Count > 0 ? answer.Roots : [.. current.Roots.Select(r => ByteString.CopyFrom(r.RawData))];
            var renewed = NodeCertificate.Issued(key, answer.Certificate.ToByteArray(), answer.Intermediates.Select(i => i.ToByteArray()),
                roots.Select(r => r.ToByteArray()), _time.GetUtcNow());
            if (renewed.Identity.NodeId != current.Identity.NodeId || renewed.Identity.ClusterId != current.Identity.ClusterId)
            {
                throw new System.Security.Cryptography.CryptographicException(
                    $"the CA renewed the certificate of node {renewed.Identity.NodeId} in cluster {renewed.Identity.ClusterId}, not this node's");
            }

            _credentials.Replace(renewed);
        }

        // calls from now on go over connections that present the new certificate; the open session stream stays
        _endpoints.Reconnect();
    }
}
