using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Swarm.Dispatcher.Security;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.IntegrationTests.DispatcherSecurity;

/// <summary>A cluster CA held in memory (the real one keeps its state in the log's database), with root rotation: certificates no real CA would issue (expired ones) and a rotation a test controls. (As Swarm.Dispatcher.Tests' TestCa.)</summary>
public sealed class MemoryCa : ICertificateAuthority, IDisposable
{
    public const string GoodToken = "test-token";

    private readonly object _gate = new();
    private RootCa _signing;
    private RootCa? _old;
    private X509Certificate2? _crossSigned;
    private DateTimeOffset? _rotationStarted;

    public MemoryCa(string? clusterId = null)
    {
        ClusterId = clusterId ?? Guid.NewGuid().ToString("N");
        _signing = RootCa.Create(ClusterId, DateTimeOffset.UtcNow);
    }

    public string ClusterId { get; }

    public TimeSpan Validity { get; set; } = TimeSpan.FromDays(90);

    public CaState State
    {
        get
        {
            lock (_gate)
            {
                return new CaState(ClusterId,
                    _old is null ? [_signing.Certificate] : [_signing.Certificate, _old.Certificate],
                    _crossSigned is null ? [] : [_crossSigned],
                    Validity,
                    _rotationStarted);
            }
        }
    }

    public X509Certificate2 SigningRoot => State.SigningRoot;

    /// <summary>A certificate with its key for <paramref name="name"/>, issued by the signing root.</summary>
    public X509Certificate2 Issue(string name, string role, DateTimeOffset? now = null, TimeSpan? validity = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ignored", key, HashAlgorithmName.SHA256);
        X509Certificate2 issued;
        lock (_gate)
        {
            issued = _signing.Issue(request.PublicKey, new CertificateIdentity(name, role, ClusterId), now ?? DateTimeOffset.UtcNow, validity ?? Validity);
        }

        return WithKey(issued, key);
    }

    public X509Certificate2 IssueNode(Guid nodeId, string role = NodeRoles.Worker) => Issue(nodeId.ToString(), role);

    public void StartRotation()
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            _old = _signing;
            _signing = RootCa.Create(ClusterId, now);
            _crossSigned = _old.CrossSign(_signing.Certificate, now);
            _rotationStarted = now;
        }
    }

    public int Completions { get; private set; }

    public Task<CaState> CurrentAsync(CancellationToken cancellationToken) => Task.FromResult(State);

    public Task<NodeCertificate> IssueForTokenAsync(byte[] csrDer, string token, CancellationToken cancellationToken)
    {
        if (token != GoodToken)
        {
            throw new JoinRefusedException("the join token is not valid for this cluster");
        }

        return Task.FromResult(IssueFor(csrDer, new CertificateIdentity(Guid.NewGuid().ToString(), NodeRoles.Worker, ClusterId)));
    }

    public Task<NodeCertificate> RenewAsync(byte[] csrDer, CertificateIdentity current, CancellationToken cancellationToken) =>
        Task.FromResult(IssueFor(csrDer, current));

    public Task<X509Certificate2> IssueManagerCertificateAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Issue(name, NodeRoles.Manager));

    public Task<CaState> CompleteRootRotationAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_old is not null)
            {
                Completions++;
            }

            _old = null;
            _crossSigned = null;
            _rotationStarted = null;
        }

        return Task.FromResult(State);
    }

    private NodeCertificate IssueFor(byte[] csrDer, CertificateIdentity identity)
    {
        X509Certificate2 certificate;
        lock (_gate)
        {
            certificate = _signing.Issue(csrDer, identity, DateTimeOffset.UtcNow, Validity);
        }

        var state = State;
        return new NodeCertificate(identity.NodeId, identity.Role, certificate, state.Intermediates, state.Roots);
    }

    public static X509Certificate2 WithKey(X509Certificate2 certificate, ECDsa key)
    {
        using var withKey = certificate.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        _signing.Dispose();
        _old?.Dispose();
    }
}
