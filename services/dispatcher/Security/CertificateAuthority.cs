using System.Security.Cryptography.X509Certificates;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.Dispatcher.Security;

/// <summary>
/// What the dispatcher asks of the cluster CA (<see cref="ClusterCa"/> in production). An interface so that
/// the TLS and identity checks can be tested against a CA held in memory.
/// </summary>
public interface ICertificateAuthority
{
    Task<CaState> CurrentAsync(CancellationToken cancellationToken);

    Task<NodeCertificate> IssueForTokenAsync(byte[] csrDer, string token, CancellationToken cancellationToken);

    Task<NodeCertificate> RenewAsync(byte[] csrDer, CertificateIdentity current, CancellationToken cancellationToken);

    Task<X509Certificate2> IssueManagerCertificateAsync(string name, CancellationToken cancellationToken);

    Task<CaState> CompleteRootRotationAsync(CancellationToken cancellationToken);

    /// <summary>Autolock as this process sees it (a CA without autolock: off, never locked).</summary>
    Task<AutolockStatus> AutolockAsync(CancellationToken cancellationToken) => Task.FromResult(new AutolockStatus(false, false, false));

    /// <summary>Unlocks this process; false when autolock is off. Throws <see cref="WrongUnlockKeyException"/> for a wrong key.</summary>
    Task<bool> UnlockAsync(UnlockKey key, CancellationToken cancellationToken) => Task.FromResult(false);
}

/// <summary>The cluster CA in the log's database.</summary>
public sealed class ClusterCaAuthority(ClusterCa ca) : ICertificateAuthority
{
    public Task<CaState> CurrentAsync(CancellationToken cancellationToken) => ca.CurrentAsync(cancellationToken);

    public Task<NodeCertificate> IssueForTokenAsync(byte[] csrDer, string token, CancellationToken cancellationToken) =>
        ca.IssueForTokenAsync(csrDer, token, cancellationToken);

    public Task<NodeCertificate> RenewAsync(byte[] csrDer, CertificateIdentity current, CancellationToken cancellationToken) =>
        ca.RenewAsync(csrDer, current, cancellationToken);

    public Task<X509Certificate2> IssueManagerCertificateAsync(string name, CancellationToken cancellationToken) =>
        ca.IssueManagerCertificateAsync(name, cancellationToken);

    public Task<CaState> CompleteRootRotationAsync(CancellationToken cancellationToken) => ca.CompleteRootRotationAsync(cancellationToken);

    public Task<AutolockStatus> AutolockAsync(CancellationToken cancellationToken) => ca.AutolockAsync(cancellationToken);

    public Task<bool> UnlockAsync(UnlockKey key, CancellationToken cancellationToken) => ca.UnlockAsync(key, cancellationToken);
}
