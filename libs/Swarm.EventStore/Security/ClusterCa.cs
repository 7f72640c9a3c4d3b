using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Swarm.Contracts.Events;
using Swarm.Domain.Cluster;
using Swarm.Security;

namespace Swarm.EventStore.Security;

/// <summary>
/// The cluster's certificate authority as the managers use it (the dispatcher to admit and renew nodes and for its
/// own server and Raft certificates; the control API for tokens, rotation and client certificates). Its state is one
/// document in the log's database (<see cref="ClusterCaDocument"/>): the roots' certificates, the root keys and the
/// join-token secrets sealed with the key-encryption key from configuration (<see cref="ClusterCaOptions"/>). The
/// first use creates it; several processes starting at once agree on one root (the creation and every change run
/// under a transaction-scoped advisory lock). Changes are recorded as <c>ClusterCaChanged</c> events in the same
/// transaction (fingerprints only), on the stream <see cref="ClusterCaDocument.FixedId"/>.
/// </summary>
public sealed class ClusterCa
{
    /// <summary>How long a read of the state serves <see cref="CurrentAsync"/> and the issuing calls by default.</summary>
    public static readonly TimeSpan DefaultCacheFor = TimeSpan.FromSeconds(2);

    private readonly IDocumentStore _store;
    private readonly KeyEncryptionKey _kek;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _cacheFor;
    private readonly long _lockKey;
    private readonly Lock _gate = new();
    private Loaded? _cached;
    private long _cachedAt;
    private Task<Loaded>? _loading;

    public ClusterCa(IDocumentStore store, KeyEncryptionKey keyEncryptionKey, TimeProvider? time = null, ILogger<ClusterCa>? logger = null, TimeSpan? cacheFor = null)
    {
        _store = store;
        _kek = keyEncryptionKey;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _cacheFor = cacheFor ?? DefaultCacheFor;
        _lockKey = LockKey(store.Options.DatabaseSchemaName);
    }

    /// <summary>The trust state now (cached for a short while; created on first use).</summary>
    public async Task<CaState> CurrentAsync(CancellationToken cancellationToken = default) =>
        (await LoadedAsync(_cacheFor, cancellationToken)).State;

    /// <summary>The trust state read from the database now, whatever is cached (e.g. after another process changed it).</summary>
    public async Task<CaState> RefreshAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync().WaitAsync(cancellationToken)).State; // a read of its own: one under way may have begun before the change

    /// <summary>Forgets the cached state: the next call reads it again.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _cached = null;
        }
    }

    /// <summary>
    /// Admits a new node: <paramref name="token"/> must be the cluster's current worker or manager token and pin the
    /// current root; the node gets a fresh id. Throws <see cref="JoinRefusedException"/> (wrong, rotated or
    /// malformed token) or <see cref="InvalidCertificateRequestException"/>.
    /// </summary>
    public async Task<NodeCertificate> IssueForTokenAsync(byte[] csrDer, string token, CancellationToken cancellationToken = default)
    {
        if (!JoinToken.TryParse(token, out var presented, out var error))
        {
            throw new JoinRefusedException(error);
        }

        // read afresh, not from the cache: a token rotated by another manager a moment ago admits nobody from then on
        var loaded = await LoadedAsync(TimeSpan.Zero, cancellationToken);
        var role = loaded.RoleOf(presented);

        if (role is null)
        {
            throw new JoinRefusedException(presented.Pins(loaded.Signing.Certificate)
                ? "the join token is not valid: it is not this cluster's current worker or manager token (it may have been rotated); get the current one with 'swarmctl cluster join-token worker'"
                : "the join token pins another root CA than this cluster's (a token from before a root rotation, or of another cluster); get the current one with 'swarmctl cluster join-token worker'");
        }

        var nodeId = Guid.NewGuid().ToString();
        var certificate = loaded.Signing.Issue(csrDer, new CertificateIdentity(nodeId, role, loaded.State.ClusterId), _time.GetUtcNow(), loaded.State.NodeCertExpiry);
        _logger.LogInformation("cluster CA: admitted node {NodeId} as {Role} (certificate serial {Serial}, until {NotAfter:u})",
            nodeId, role, certificate.SerialNumber, certificate.NotAfter.ToUniversalTime());
        return loaded.Certificate(nodeId, role, certificate);
    }

    /// <summary>
    /// A new certificate for a node that holds a valid one (<paramref name="current"/>, read from its verified client
    /// certificate): same node id and role, issued by the current signing root, the cluster's cert expiry. Appends
    /// <c>NodeCertificateIssued</c> (reason renew) to the node's stream. The caller checks that the node was not removed.
    /// </summary>
    public async Task<NodeCertificate> RenewAsync(byte[] csrDer, CertificateIdentity current, CancellationToken cancellationToken = default)
    {
        if (!Guid.TryParse(current.NodeId, out var nodeId))
        {
            throw new ArgumentException($"'{current.NodeId}' is not a node id: only node certificates are renewed", nameof(current));
        }

        if (current.Role is not (NodeRoles.Worker or NodeRoles.Manager))
        {
            throw new ArgumentException($"'{current.Role}' is not a node role", nameof(current));
        }

        var loaded = await LoadedAsync(_cacheFor, cancellationToken);
        if (current.ClusterId != loaded.State.ClusterId)
        {
            throw new ArgumentException($"the certificate belongs to cluster {current.ClusterId}, not {loaded.State.ClusterId}", nameof(current));
        }

        var now = _time.GetUtcNow();
        var certificate = loaded.Signing.Issue(csrDer, new CertificateIdentity(current.NodeId, current.Role, loaded.State.ClusterId), now, loaded.State.NodeCertExpiry);
        var issued = loaded.Certificate(current.NodeId, current.Role, certificate);
        await using (var session = _store.LightweightSession())
        {
            session.Stamp();
            session.Events.Append(nodeId, new NodeCertificateIssued { NodeId = nodeId, Certificate = issued.Info, Reason = "renew", At = now });
            await session.SaveChangesAsync(cancellationToken);
        }

        _logger.LogInformation("cluster CA: renewed the certificate of node {NodeId} ({Role}, serial {Serial}, until {NotAfter:u})",
            current.NodeId, current.Role, certificate.SerialNumber, certificate.NotAfter.ToUniversalTime());
        return issued;
    }

    /// <summary>A manager certificate with its private key for this process's own TLS endpoints (CN <paramref name="name"/>).</summary>
    /// <remarks>The key is made here and never stored; the certificate comes back loaded from PKCS#12, as Kestrel and SslStream need it.</remarks>
    public async Task<X509Certificate2> IssueManagerCertificateAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var loaded = await LoadedAsync(_cacheFor, cancellationToken);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var issued = loaded.Signing.Issue(new PublicKey(key), new CertificateIdentity(name, NodeRoles.Manager, loaded.State.ClusterId), _time.GetUtcNow(), loaded.State.NodeCertExpiry);
        using var withKey = issued.CopyWithPrivateKey(key);
        // an ephemeral key is refused by SslStream on some platforms: round-trip through PKCS#12 in memory
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>An administrator's client certificate (OU swarm-manager, CN <paramref name="name"/>) for a key the client keeps.</summary>
    public async Task<NodeCertificate> IssueClientCertificateAsync(byte[] csrDer, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var loaded = await LoadedAsync(_cacheFor, cancellationToken);
        var certificate = loaded.Signing.Issue(csrDer, new CertificateIdentity(name, NodeRoles.Manager, loaded.State.ClusterId), _time.GetUtcNow(), loaded.State.NodeCertExpiry);
        _logger.LogInformation("cluster CA: issued a client certificate to {Name} (serial {Serial})", name, certificate.SerialNumber);
        return loaded.Certificate(name, NodeRoles.Manager, certificate);
    }

    public async Task<JoinTokens> JoinTokensAsync(CancellationToken cancellationToken = default) =>
        (await LoadedAsync(_cacheFor, cancellationToken)).Tokens;

    /// <summary>Replaces the secret of the <paramref name="kind"/> (worker or manager) token; nodes that joined keep working.</summary>
    public async Task<JoinTokens> RotateJoinTokenAsync(string kind, CancellationToken cancellationToken = default)
    {
        if (NodeRoles.FromKind(kind) is null)
        {
            throw new ArgumentException($"the join token kind is worker or manager, not '{kind}'", nameof(kind));
        }

        var loaded = await ChangeAsync((document, _, now) =>
        {
            var secret = _kek.Seal(System.Text.Encoding.ASCII.GetBytes(JoinToken.NewSecret()), ClusterCaDocument.SecretPurpose(document.ClusterId, kind));
            var changed = kind == "worker" ? document with { SealedWorkerSecret = secret } : document with { SealedManagerSecret = secret };
            return (changed, Changed(changed, "join-token-rotated", now, kind));
        }, cancellationToken);
        _logger.LogInformation("cluster CA: the {Kind} join token was rotated", kind);
        return loaded.Tokens;
    }

    /// <summary>
    /// Begins a root rotation: a new root signs from now on; the old one stays trusted and cross-signs the new one
    /// (see <see cref="CaState.Intermediates"/>) until <see cref="CompleteRootRotationAsync"/>. Tokens pin the new root.
    /// Throws <see cref="InvalidOperationException"/> when a rotation is under way already.
    /// </summary>
    public async Task<CaState> StartRootRotationAsync(CancellationToken cancellationToken = default)
    {
        var loaded = await ChangeAsync((document, current, now) =>
        {
            if (document.RotationStartedAt is { } started)
            {
                throw new InvalidOperationException($"a root rotation is under way already (started {started:u}): complete it first");
            }

            using var next = RootCa.Create(document.ClusterId.ToString(), now);
            using var crossSigned = current.Signing.CrossSign(next.Certificate, now);
            var changed = document with
            {
                RootCertificates = [next.Certificate.RawData, .. document.RootCertificates],
                SealedRootKeys = [_kek.Seal(next.ExportKey(), ClusterCaDocument.RootKeyPurpose(document.ClusterId, next.Fingerprint)), .. document.SealedRootKeys],
                CrossSignedRoot = crossSigned.RawData,
                RotationStartedAt = now,
            };
            return (changed, Changed(changed, "root-rotation-started", now));
        }, cancellationToken);
        _logger.LogWarning("cluster CA: root rotation started: new signing root {New}, old root {Old} still trusted",
            loaded.State.RootFingerprints[0], loaded.State.RootFingerprints[^1]);
        return loaded.State;
    }

    /// <summary>Ends a rotation: only the new root is trusted. No-op when none is under way.</summary>
    public async Task<CaState> CompleteRootRotationAsync(CancellationToken cancellationToken = default)
    {
        var rotating = false;
        var loaded = await ChangeAsync((document, _, now) =>
        {
            if (document.RotationStartedAt is null)
            {
                return (null, null);
            }

            rotating = true;

            var changed = document with
            {
                RootCertificates = [document.RootCertificates[0]],
                SealedRootKeys = [document.SealedRootKeys[0]],
                CrossSignedRoot = null,
                RotationStartedAt = null,
            };
            return (changed, Changed(changed, "root-rotation-completed", now));
        }, cancellationToken);
        if (!rotating)
        {
            return loaded.State;
        }

        _logger.LogWarning("cluster CA: root rotation completed: only root {Root} is trusted", loaded.State.RootFingerprints[0]);
        return loaded.State;
    }

    private static ClusterCaChanged Changed(ClusterCaDocument after, string change, DateTimeOffset now, string? tokenKind = null) => new()
    {
        ClusterId = after.ClusterId,
        Change = change,
        RootFingerprints = [.. after.RootCertificates.Select(der => Convert.ToHexStringLower(SHA256.HashData(der)))],
        TokenKind = tokenKind,
        At = now,
    };

    /// <summary>The cached state if it is younger than <paramref name="maxAge"/>, else a fresh read (one at a time, shared).</summary>
    private Task<Loaded> LoadedAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        Task<Loaded> loading;
        lock (_gate)
        {
            if (_cached is not null && _time.GetElapsedTime(_cachedAt) < maxAge)
            {
                return Task.FromResult(_cached);
            }

            if (_loading is null || _loading.IsCompleted)
            {
                _loading = ReadAsync();
            }

            loading = _loading;
        }

        return loading.WaitAsync(cancellationToken);
    }

    /// <summary>Reads the state (creating it when there is none) and caches it.</summary>
    private async Task<Loaded> ReadAsync()
    {
        // shared by every caller waiting: not cancelled by any one of them (each stops waiting on its own)
        var startedAt = _time.GetTimestamp();
        ClusterCaDocument? document;
        ClusterSettings? settings;
        await using (var query = _store.QuerySession())
        {
            var batch = query.CreateBatchQuery();
            var documentRead = batch.Load<ClusterCaDocument>(ClusterCaDocument.FixedId);
            var settingsRead = batch.Load<ClusterSettings>(ClusterSettings.DefaultId);
            await batch.Execute(CancellationToken.None);
            document = await documentRead;
            settings = await settingsRead;
        }

        if (document is null)
        {
            return await ChangeAsync((_, _, _) => (null, null), CancellationToken.None);
        }

        Loaded? cached;
        lock (_gate)
        {
            cached = _cached;
        }

        // unchanged since the last read: only the settings may differ (no need to open the keys again)
        var loaded = cached is not null && cached.Document.Same(document)
            ? cached with { State = cached.State with { NodeCertExpiry = (settings ?? new ClusterSettings()).NodeCertExpiry() } }
            : Open(document, settings);
        Remember(loaded, startedAt);
        return loaded;
    }

    private void Remember(Loaded loaded, long readAt)
    {
        lock (_gate)
        {
            if (_cached is null || loaded.Document.ClusterId != _cached.Document.ClusterId || loaded.Document.Revision >= _cached.Document.Revision)
            {
                _cached = loaded;
                _cachedAt = readAt;
            }
        }
    }

    /// <summary>
    /// Changes the state under the CA's advisory lock, in one transaction with the event that records it: the document
    /// is read (and created if there is none) inside the lock, so concurrent changes and first uses are serialised.
    /// <paramref name="change"/> returns the new document and its event, or nulls for no change.
    /// </summary>
    private async Task<Loaded> ChangeAsync(Func<ClusterCaDocument, Loaded, DateTimeOffset, (ClusterCaDocument? Document, ClusterCaChanged? Event)> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ChangeOnceAsync(change, cancellationToken);
            }
            catch (Exception ex) when (attempt < 3 && Conflicts.IsConflict(ex))
            {
                // another writer got there first in spite of the lock (it is per schema and database): decide again
                _logger.LogDebug(ex, "cluster CA: a concurrent change; deciding again");
            }
        }
    }

    private async Task<Loaded> ChangeOnceAsync(Func<ClusterCaDocument, Loaded, DateTimeOffset, (ClusterCaDocument? Document, ClusterCaChanged? Event)> change, CancellationToken cancellationToken)
    {
        var startedAt = _time.GetTimestamp();
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", _lockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var session = _store.LightweightSession(SessionOptions.ForTransaction(transaction));
        session.Stamp();
        var document = await session.LoadAsync<ClusterCaDocument>(ClusterCaDocument.FixedId, cancellationToken);
        var settings = await session.LoadAsync<ClusterSettings>(ClusterSettings.DefaultId, cancellationToken);
        var now = _time.GetUtcNow();
        var created = document is null;
        document ??= Create(now);
        var current = Open(document, settings);
        var (changed, recorded) = change(document, current, now);
        if (changed is not null)
        {
            changed = changed with { Revision = document.Revision + 1, UpdatedAt = now };
            current = Open(changed, settings);
            if (recorded is not null)
            {
                session.Events.Append(ClusterCaDocument.FixedId, recorded);
            }
        }

        if (created || changed is not null)
        {
            var final = changed ?? document;
            if (created)
            {
                // an insert: should the lock ever be bypassed, a second creation fails instead of replacing the root
                session.Insert(final);
            }
            else
            {
                session.Store(final);
            }

            await session.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (created)
        {
            _logger.LogWarning("cluster CA: created for cluster {ClusterId}, root {Fingerprint}", current.State.ClusterId, current.State.RootFingerprints[0]);
        }

        Remember(current, startedAt);
        return current;
    }

    /// <summary>A new CA: a new cluster id, root and join-token secrets.</summary>
    private ClusterCaDocument Create(DateTimeOffset now)
    {
        // the id of the cluster stream in the log is a constant (ClusterSettings.DefaultId), the same in every
        // cluster: certificates name a cluster of their own, so a new id is made here, once, and kept
        var clusterId = Guid.NewGuid();
        using var root = RootCa.Create(clusterId.ToString(), now);
        return new ClusterCaDocument
        {
            ClusterId = clusterId,
            RootCertificates = [root.Certificate.RawData],
            SealedRootKeys = [_kek.Seal(root.ExportKey(), ClusterCaDocument.RootKeyPurpose(clusterId, root.Fingerprint))],
            SealedWorkerSecret = _kek.Seal(System.Text.Encoding.ASCII.GetBytes(JoinToken.NewSecret()), ClusterCaDocument.SecretPurpose(clusterId, "worker")),
            SealedManagerSecret = _kek.Seal(System.Text.Encoding.ASCII.GetBytes(JoinToken.NewSecret()), ClusterCaDocument.SecretPurpose(clusterId, "manager")),
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>Opens the stored state with the key-encryption key; a wrong key is named as such.</summary>
    private Loaded Open(ClusterCaDocument document, ClusterSettings? settings)
    {
        if (document.RootCertificates.Count == 0 || document.SealedRootKeys.Count == 0)
        {
            throw new InvalidOperationException("the cluster CA's stored state has no root");
        }

        var roots = document.RootCertificates.Select(X509CertificateLoader.LoadCertificate).ToList();
        var signingFingerprint = Fingerprints.Sha256(roots[0]);
        RootCa signing;
        string workerSecret, managerSecret;
        try
        {
            var key = _kek.Open(document.SealedRootKeys[0], ClusterCaDocument.RootKeyPurpose(document.ClusterId, signingFingerprint));
            try
            {
                signing = RootCa.Load(document.RootCertificates[0], key);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }

            workerSecret = System.Text.Encoding.ASCII.GetString(_kek.Open(document.SealedWorkerSecret, ClusterCaDocument.SecretPurpose(document.ClusterId, "worker")));
            managerSecret = System.Text.Encoding.ASCII.GetString(_kek.Open(document.SealedManagerSecret, ClusterCaDocument.SecretPurpose(document.ClusterId, "manager")));
        }
        catch (CryptographicException ex)
        {
            throw new ClusterCaKeyException(
                $"the key-encryption key does not open the cluster CA: {ex.Message} (is Swarm:Ca:KeyFile or Swarm:Ca:Key the key the cluster's CA was created with, in every manager?)", ex);
        }

        var intermediates = document.CrossSignedRoot is { } crossSigned ? [X509CertificateLoader.LoadCertificate(crossSigned)] : new List<X509Certificate2>();
        var state = new CaState(document.ClusterId.ToString(), roots, intermediates, (settings ?? new ClusterSettings()).NodeCertExpiry(), document.RotationStartedAt);
        var digest = JoinToken.DigestOf(roots[0]);
        return new Loaded(document, state, signing, new JoinToken(digest, workerSecret), new JoinToken(digest, managerSecret));
    }

    /// <summary>The advisory lock of the CA of the log in <paramref name="schema"/> (FNV-1a of a name of its own).</summary>
    private static long LockKey(string schema)
    {
        var hash = 14695981039346656037ul;
        foreach (var c in $"swarm-cluster-ca/{schema}")
        {
            hash = (hash ^ c) * 1099511628211ul;
        }

        return unchecked((long)hash);
    }

    /// <summary>The state as read and opened: the public part, the signing root with its key, the tokens.</summary>
    private sealed record Loaded(ClusterCaDocument Document, CaState State, RootCa Signing, JoinToken Worker, JoinToken Manager)
    {
        public JoinTokens Tokens => new(Worker.ToString(), Manager.ToString());

        /// <summary>The role a presented token admits, or null: it must pin the signing root and carry one of the secrets.</summary>
        public string? RoleOf(JoinToken presented)
        {
            // both secrets compared, in constant time, whatever the first gives
            var pins = presented.Pins(Signing.Certificate);
            var worker = Worker.HasSecret(presented.Secret);
            var manager = Manager.HasSecret(presented.Secret);
            return !pins ? null : worker ? NodeRoles.Worker : manager ? NodeRoles.Manager : null;
        }

        public NodeCertificate Certificate(string nodeId, string role, X509Certificate2 certificate) =>
            new(nodeId, role, certificate, State.Intermediates, State.Roots);
    }
}
