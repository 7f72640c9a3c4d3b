using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Swarm.Dispatcher.Api;
using Swarm.Security;

namespace Swarm.Worker.Ca;

/// <summary>
/// Joins a node to the cluster with a join token (SwarmKit's bootstrap): fetches the cluster's roots and keeps
/// the one the token's digest pins, then, over TLS that accepts only a server chaining to that root, sends a
/// signing request for a key it generated and keeps, and checks the certificate it gets. A server of another CA
/// is refused and the node does not join; a refused token ends the join. Only an unreachable dispatcher is
/// retried, a few times, with back-off.
/// </summary>
public sealed class NodeJoin
{
    private const int Attempts = 6;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    private readonly IReadOnlyList<Uri> _dispatchers;
    private readonly JoinToken _token;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public NodeJoin(IReadOnlyList<Uri> dispatchers, JoinToken token, TimeProvider time, ILogger logger)
    {
        _dispatchers = dispatchers;
        _token = token;
        _time = time;
        _logger = logger;
    }

    /// <summary>A certificate for a new key of the node <paramref name="hostname"/> (not stored).</summary>
    public async Task<NodeCertificate> RequestAsync(string hostname, CancellationToken cancellationToken)
    {
        // the roots come over TLS that checks nothing: the answer is checked against the token's digest instead
        var pinned = await CallAsync(hostname, (_, _) => null, async (client, address, ct) =>
        {
            var answer = await client.GetRootCACertificateAsync(new GetRootCACertificateRequest(), deadline: Deadline, cancellationToken: ct);
            return answer.Roots.Select(r => Certificate(r)).FirstOrDefault(_token.Pins)
                ?? throw new JoinRefusedException($"{hostname}: the dispatcher at {address} serves no root matching the join token's digest: "
                    + "it is not of the cluster the token names (a man in the middle, or a token of another cluster); not joining");
        }, cancellationToken);

        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            var answer = await CallAsync(hostname,
                (certificate, chain) => ServerCertificates.CheckPinned(certificate, chain, _token, [pinned], _time.GetUtcNow()),
                (client, _, ct) => client.IssueNodeCertificateAsync(
                    new IssueNodeCertificateRequest { Csr = ByteString.CopyFrom(csr), Token = _token.ToString() }, deadline: Deadline, cancellationToken: ct).ResponseAsync,
                cancellationToken);

            if (!answer.Roots.Any(r => _token.Pins(Certificate(r))))
            {
                throw new JoinRefusedException($"{hostname}: the CA's answer does not list the root the join token pins; not joining");
            }

            NodeCertificate issued;
            try
            {
                issued = NodeCertificate.Issued(key, answer.Certificate.ToByteArray(), answer.Intermediates.Select(i => i.ToByteArray()), answer.Roots.Select(r => r.ToByteArray()), _time.GetUtcNow());
            }
            catch (CryptographicException ex)
            {
                throw new JoinRefusedException($"{hostname}: the CA's certificate is not usable: {ex.Message}; not joining");
            }

            _logger.LogInformation("{Hostname}: joined cluster {ClusterId} as node {NodeId} ({Role}); certificate valid until {NotAfter:u}",
                hostname, issued.Identity.ClusterId, issued.Identity.NodeId, issued.Identity.Role, issued.Certificate.NotAfter.ToUniversalTime());
            return issued;
        }
    }

    private DateTime Deadline => DateTime.UtcNow + CallTimeout;

    private static X509Certificate2 Certificate(ByteString der) =>
        X509CertificateLoader.LoadCertificate(der.Span);

    /// <summary>
    /// Calls the CA on each dispatcher in turn until one answers; a refused token, a refused server or a malformed
    /// request end the join, an unreachable dispatcher is retried (<see cref="Attempts"/> times in all).
    /// </summary>
    private async Task<T> CallAsync<T>(string hostname, Func<X509Certificate?, X509Chain?, string?> serverCheck,
        Func<NodeCA.NodeCAClient, Uri, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            var address = _dispatchers[(attempt - 1) % _dispatchers.Count];
            var check = new ServerCheck(hostname, address, _logger, serverCheck);
            using var channel = DispatcherChannels.Create(address, check);
            try
            {
                return await call(new NodeCA.NodeCAClient(channel), address, cancellationToken);
            }
            catch (RpcException) when (check.LastRefusal is { } refusal)
            {
                throw new JoinRefusedException($"{hostname}: the dispatcher at {address} is not of the cluster the join token names ({refusal}): "
                    + "a man in the middle, or a token of another cluster; not joining");
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
            {
                throw new JoinRefusedException($"{hostname}: the cluster refused the join token ({ex.Status.Detail}): it is wrong or was rotated; "
                    + "get the current one with 'swarmctl cluster join-token worker'");
            }
            catch (RpcException ex) when (Transient(ex, cancellationToken) && attempt < Attempts)
            {
                _logger.LogWarning("{Hostname}: cannot join through {Address} yet ({Code}: {Detail}); retrying in {Delay} ms",
                    hostname, address, ex.StatusCode, ex.Status.Detail, (int)backoff.TotalMilliseconds);
                await Task.Delay(backoff, _time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
            {
                throw new JoinRefusedException($"{hostname}: joining through {address} failed ({ex.StatusCode}: {ex.Status.Detail})");
            }
        }
    }

    /// <summary>
    /// A failure worth another attempt: no dispatcher (yet), not the leader, or a call that broke on the way (a reset
    /// connection on a busy machine surfaces as Internal or Unknown) — not a refusal.
    /// </summary>
    private static bool Transient(RpcException ex, CancellationToken cancellationToken) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.FailedPrecondition
            or StatusCode.Internal or StatusCode.Unknown or StatusCode.ResourceExhausted or StatusCode.Aborted
        || (ex.StatusCode == StatusCode.Cancelled && !cancellationToken.IsCancellationRequested);
}
