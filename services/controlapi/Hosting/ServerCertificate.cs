using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.ControlApi.Hosting;

/// <summary>
/// The TLS endpoint's own certificate: a manager certificate the cluster CA issues this process, sent with the
/// cross-signed intermediates of a rotation. Issued again when the signing root changed or half its lifetime passed.
/// While the cluster is locked (autolock) the CA answers with its locked identity; once unlocked, a certificate of
/// this process's own replaces it.
/// </summary>
public sealed class ServerCertificate(ClusterCa ca, TimeProvider time, ILogger<ServerCertificate> logger)
{
    public const string Name = "controlapi";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Issued? _current;

    public async Task<SslStreamCertificateContext> CurrentAsync(CaState state, CancellationToken cancellationToken)
    {
        var locked = (await ca.AutolockAsync(cancellationToken)).Locked;
        if (_current is { } now && Fresh(now, state, locked))
        {
            return now.Context;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } again && Fresh(again, state, locked))
            {
                return again.Context;
            }

            var certificate = await ca.IssueManagerCertificateAsync(Name, cancellationToken);
            var context = SslStreamCertificateContext.Create(certificate, new X509Certificate2Collection(state.Intermediates.ToArray()), offline: true);
            _current = new Issued(context, certificate, state.RootFingerprints[0]);
            logger.LogInformation("TLS server certificate issued by root {Root}, valid until {NotAfter:u}", state.RootFingerprints[0], certificate.NotAfter.ToUniversalTime());
            return context;
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool Fresh(Issued issued, CaState state, bool locked)
    {
        var c = issued.Certificate;
        var half = c.NotBefore.ToUniversalTime() + (c.NotAfter - c.NotBefore) / 2;
        var lockedIdentity = CertificateIdentity.From(c) is { NodeId: ClusterCa.LockedIdentityName };
        return issued.SigningRoot == state.RootFingerprints[0] && time.GetUtcNow().UtcDateTime < half && (locked || !lockedIdentity);
    }

    private sealed record Issued(SslStreamCertificateContext Context, X509Certificate2 Certificate, string SigningRoot);
}
