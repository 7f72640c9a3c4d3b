using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.Dispatcher.Security;

/// <summary>
/// What this dispatcher trusts and presents now: the cluster CA's roots (and, during a root rotation, the new
/// root cross-signed by the old), and its own manager certificate with the chain it sends. Read on every TLS
/// handshake and every call, so it is a snapshot swapped whole; <see cref="ClusterTrustService"/> keeps it current.
/// </summary>
public sealed class ClusterTrust
{
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _refresh = new(0, 1);
    private volatile TrustSnapshot? _current;

    public ClusterTrust(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>The trust state now; null until the CA was first read.</summary>
    public TrustSnapshot? Current => _current;

    /// <summary>Completes once the CA was read and a manager certificate is at hand.</summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Takes a new CA state and the manager certificate to present; true when the trusted roots differ from
    /// before (the first state included).
    /// </summary>
    public bool Update(CaState ca, X509Certificate2 managerCertificate)
    {
        var previous = _current;
        var context = ReferenceEquals(previous?.ManagerCertificate, managerCertificate) && SameCertificates(previous!.Ca.Intermediates, ca.Intermediates)
            ? previous.ServerContext
            : SslStreamCertificateContext.Create(managerCertificate, new X509Certificate2Collection(ca.Intermediates.ToArray()), offline: true);
        _current = new TrustSnapshot(ca, managerCertificate, context);
        _ready.TrySetResult();
        return previous is null || !previous.Ca.RootFingerprints.SequenceEqual(ca.RootFingerprints, StringComparer.Ordinal);
    }

    /// <summary>Asks <see cref="ClusterTrustService"/> to read the CA now (it changed) rather than at the end of its period.</summary>
    public void RequestRefresh()
    {
        try
        {
            _refresh.Release();
        }
        catch (SemaphoreFullException)
        {
            // already asked: one read covers both
        }
    }

    /// <summary>True when a refresh was asked for within <paramref name="timeout"/>.</summary>
    internal Task<bool> WaitForRefreshAsync(TimeSpan timeout, CancellationToken cancellationToken) => _refresh.WaitAsync(timeout, cancellationToken);

    /// <summary>
    /// Null when <paramref name="certificate"/> is a node's or manager's certificate of this cluster, valid now and
    /// chained to one of the trusted roots (when <paramref name="role"/> is given, of that role); else why not.
    /// </summary>
    public string? VerifyPeer(X509Certificate2 certificate, string? role = null)
    {
        if (_current is not { } trust)
        {
            return "the cluster CA is not loaded yet";
        }

        if (CertificateChains.VerifyPeer(certificate, trust.Ca.Roots, _time.GetUtcNow(), role, trust.Ca.ClusterId, trust.Ca.Intermediates) is { } problem)
        {
            return problem;
        }

        var identity = CertificateIdentity.From(certificate)!;
        return identity.Role is NodeRoles.Worker or NodeRoles.Manager ? null : $"the certificate's role '{identity.Role}' is not a node role";
    }

    /// <summary>
    /// Whether this process needs a new manager certificate: it has none, the one it has was not issued by the
    /// signing root (a root rotation began), or two thirds of its lifetime have passed.
    /// </summary>
    public static bool NeedsNewManagerCertificate(CaState ca, X509Certificate2? current, DateTimeOffset now)
    {
        if (current is null)
        {
            return true;
        }

        if (CertificateChains.Verify(current, [ca.SigningRoot], now) is not null)
        {
            return true;
        }

        var notBefore = new DateTimeOffset(current.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(current.NotAfter.ToUniversalTime());
        return now >= notBefore + (notAfter - notBefore) * 2 / 3;
    }

    private static bool SameCertificates(IReadOnlyList<X509Certificate2> a, IReadOnlyList<X509Certificate2> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.RawData.AsSpan().SequenceEqual(p.Second.RawData));
}

/// <summary>The CA state, this process's manager certificate and the chain it is presented with.</summary>
public sealed record TrustSnapshot(CaState Ca, X509Certificate2 ManagerCertificate, SslStreamCertificateContext ServerContext);
