using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Swarm.Contracts.Events;
using Swarm.Domain.Cluster;
using Swarm.EventStore.Secrets;
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
/// <para>
/// <b>Autolock</b> (SwarmKit's): when on, the root keys, the join-token secrets and the secrets' data key are sealed
/// with a key derived from the key-encryption key and an unlock key that no manager stores (<see cref="ManagerKeys"/>
/// holds it in memory). A process that starts while autolock is on is <i>locked</i>: it reads the public state (roots,
/// cluster id) but issues no certificate and reveals no token until <see cref="UnlockAsync"/> is given the key. A
/// process that already held the opened keys stays unlocked when another turns autolock on or rotates the unlock key:
/// only the sealing changed (<see cref="ClusterCaDocument.KeysRevision"/> did not), so its periodic re-read keeps what it
/// holds in memory. A locked process still needs a TLS identity (so that <c>unlock</c> can reach it and agents can be
/// told it is locked) but cannot have one issued: while unlocked, the CA issues a <i>locked identity</i> — one manager
/// certificate, CN <see cref="LockedIdentityName"/>, whose key is sealed with the key-encryption key alone — and a
/// locked process serves with it (<see cref="IssueManagerCertificateAsync"/>). Whoever holds the key-encryption key and
/// the database can therefore pose as a manager's TLS endpoint until that certificate expires (it is re-issued at half
/// its life or with a new signing root), but cannot sign anything, read a join token or a secret: the control API
/// refuses the locked identity as an administrator's certificate.
/// </para>
/// </summary>
public sealed class ClusterCa
{
    /// <summary>How long a read of the state serves <see cref="CurrentAsync"/> and the issuing calls by default.</summary>
    public static readonly TimeSpan DefaultCacheFor = TimeSpan.FromSeconds(2);

    /// <summary>The CN of the locked identity (see the class comment).</summary>
    public const string LockedIdentityName = "swarm-manager-locked";

    private static readonly byte[] UnlockCheckValue = "swarm-autolock-check"u8.ToArray();

    private readonly IDocumentStore _store;
    private readonly ManagerKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _cacheFor;
    private readonly long _lockKey;
    private readonly Lock _gate = new();
    private Loaded? _cached;
    private Loaded? _opened; // the last state whose keys this process opened: kept when only their sealing changes
    private long _cachedAt;
    private Task<Loaded>? _loading;

    public ClusterCa(IDocumentStore store, KeyEncryptionKey keyEncryptionKey, TimeProvider? time = null, ILogger<ClusterCa>? logger = null, TimeSpan? cacheFor = null)
        : this(store, new ManagerKeys(keyEncryptionKey), time, logger, cacheFor)
    {
    }

    /// <summary>A CA over the process's <paramref name="keys"/>, shared with its <c>SecretStore</c>.</summary>
    public ClusterCa(IDocumentStore store, ManagerKeys keys, TimeProvider? time = null, ILogger<ClusterCa>? logger = null, TimeSpan? cacheFor = null)
    {
        _store = store;
        _keys = keys;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _cacheFor = cacheFor ?? DefaultCacheFor;
        _lockKey = LockKey(store.Options.DatabaseSchemaName);
    }

    /// <summary>The keys this process holds (the key-encryption key, the unlock key once known).</summary>
    public ManagerKeys Keys => _keys;

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
        if (loaded.Opened is null)
        {
            // locked: the identity issued for this while the cluster was unlocked
            return LockedIdentity(loaded.Document) ?? throw new ClusterLockedException();
        }

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
            var secret = SealingOf(document).Seal(System.Text.Encoding.ASCII.GetBytes(JoinToken.NewSecret()), ClusterCaDocument.SecretPurpose(document.ClusterId, kind));
            var changed = (kind == "worker" ? document with { SealedWorkerSecret = secret } : document with { SealedManagerSecret = secret }) with { KeysRevision = document.KeysRevision + 1 };
            return new CaChange(changed, Changed(changed, "join-token-rotated", now, kind));
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
                SealedRootKeys = [SealingOf(document).Seal(next.ExportKey(), ClusterCaDocument.RootKeyPurpose(document.ClusterId, next.Fingerprint)), .. document.SealedRootKeys],
                CrossSignedRoot = crossSigned.RawData,
                RotationStartedAt = now,
                KeysRevision = document.KeysRevision + 1,
            };
            return new CaChange(changed, Changed(changed, "root-rotation-started", now));
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
                return CaChange.None;
            }

            rotating = true;

            var changed = document with
            {
                RootCertificates = [document.RootCertificates[0]],
                SealedRootKeys = [document.SealedRootKeys[0]],
                CrossSignedRoot = null,
                RotationStartedAt = null,
                KeysRevision = document.KeysRevision + 1,
            };
            return new CaChange(changed, Changed(changed, "root-rotation-completed", now));
        }, cancellationToken);
        if (!rotating)
        {
            return loaded.State;
        }

        _logger.LogWarning("cluster CA: root rotation completed: only root {Root} is trusted", loaded.State.RootFingerprints[0]);
        return loaded.State;
    }

    /// <summary>Autolock as this process sees it: on or off, whether this process is locked, whether it holds the current unlock key.</summary>
    public async Task<AutolockStatus> AutolockAsync(CancellationToken cancellationToken = default)
    {
        var loaded = await LoadedAsync(_cacheFor, cancellationToken);
        var document = loaded.Document;
        return new AutolockStatus(document.Autolock, loaded.Opened is null, document.Autolock && _keys.Sealing(true) is { } known && OpensCheck(document, known));
    }

    /// <summary>The current unlock key when this process holds it (it turned autolock on, rotated the key or was unlocked with it); else null.</summary>
    public async Task<UnlockKey?> KnownUnlockKeyAsync(CancellationToken cancellationToken = default)
    {
        var loaded = await LoadedAsync(TimeSpan.Zero, cancellationToken);
        return loaded.Document.Autolock && _keys.UnlockKey is { } key && _keys.Sealing(true) is { } combined && OpensCheck(loaded.Document, combined) ? key : null;
    }

    /// <summary>
    /// Turns autolock on: a new unlock key, and the root keys, join-token secrets and the secrets' data key sealed anew
    /// under it, with the event, in one transaction. Returns the key — the only time it is shown — or null when autolock
    /// was on already (nothing changes). Processes running now keep what they opened; those that start later are locked.
    /// </summary>
    public async Task<UnlockKey?> EnableAutolockAsync(CancellationToken cancellationToken = default)
    {
        UnlockKey? made = null;
        await ChangeAsync((document, _, now) =>
        {
            made = null;
            if (document.Autolock)
            {
                return CaChange.None;
            }

            var (changed, key, to) = SealedUnderNewKey(document, _keys.KeyEncryptionKey);
            changed = changed with { Autolock = true };
            made = key;
            return new CaChange(changed, Changed(changed, "autolock-enabled", now), new Resealing(null, to, true, key));
        }, cancellationToken);
        if (made is not null)
        {
            _logger.LogWarning("cluster CA: autolock enabled: managers that start from now on stay locked until given the unlock key");
        }

        return made;
    }

    /// <summary>
    /// Turns autolock off: everything sealed with the key-encryption key alone again, in one transaction. False when it
    /// was off. Throws <see cref="ClusterLockedException"/> when this process does not hold the unlock key.
    /// </summary>
    public async Task<bool> DisableAutolockAsync(CancellationToken cancellationToken = default)
    {
        var changedIt = false;
        await ChangeAsync((document, _, now) =>
        {
            changedIt = false;
            if (!document.Autolock)
            {
                return CaChange.None;
            }

            var from = CheckedUnlockSealing(document);
            var changed = Reseal(document, from, _keys.KeyEncryptionKey) with
            {
                Autolock = false,
                SealedUnlockCheck = null,
                LockedIdentityCertificate = null,
                SealedLockedIdentityKey = null,
            };
            changedIt = true;
            return new CaChange(changed, Changed(changed, "autolock-disabled", now), new Resealing(from, _keys.KeyEncryptionKey, false, null));
        }, cancellationToken);
        if (changedIt)
        {
            _logger.LogWarning("cluster CA: autolock disabled: managers start unlocked");
        }

        return changedIt;
    }

    /// <summary>
    /// A new unlock key, everything sealed anew under it in one transaction; the old key unlocks nothing from then on.
    /// Throws <see cref="InvalidOperationException"/> when autolock is off, <see cref="ClusterLockedException"/> when this
    /// process does not hold the current key.
    /// </summary>
    public async Task<UnlockKey> RotateUnlockKeyAsync(CancellationToken cancellationToken = default)
    {
        UnlockKey? made = null;
        await ChangeAsync((document, _, now) =>
        {
            if (!document.Autolock)
            {
                throw new InvalidOperationException("autolock is off: there is no unlock key to rotate (turn it on with 'swarmctl cluster update --autolock')");
            }

            var from = CheckedUnlockSealing(document);
            var (changed, key, to) = SealedUnderNewKey(document, from);
            made = key;
            return new CaChange(changed, Changed(changed, "unlock-key-rotated", now), new Resealing(from, to, true, key));
        }, cancellationToken);
        _logger.LogWarning("cluster CA: the unlock key was rotated: the previous key unlocks nothing from now on");
        return made!;
    }

    /// <summary>
    /// Unlocks this process with <paramref name="key"/>: checked against the stored check value (a wrong key throws
    /// <see cref="WrongUnlockKeyException"/> and changes nothing), then held in memory and the keys opened. False when
    /// autolock is off (there is nothing to unlock).
    /// </summary>
    public async Task<bool> UnlockAsync(UnlockKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ClusterCaDocument? document;
        await using (var query = _store.QuerySession())
        {
            document = await query.LoadAsync<ClusterCaDocument>(ClusterCaDocument.FixedId, cancellationToken);
        }

        if (document is not { Autolock: true })
        {
            return false;
        }

        CheckKeyEncryptionKey(document);
        if (!OpensCheck(document, _keys.KeyEncryptionKey.WithUnlockKey(key)))
        {
            throw new WrongUnlockKeyException();
        }

        _keys.Remember(key);
        Invalidate();
        // opens the keys now (and issues the locked identity when it is due)
        await ChangeAsync((_, _, _) => CaChange.None, cancellationToken);
        _logger.LogInformation("cluster CA: unlocked");
        return true;
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
            return await ChangeAsync((_, _, _) => CaChange.None, CancellationToken.None);
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
    private async Task<Loaded> ChangeAsync(Func<ClusterCaDocument, Loaded, DateTimeOffset, CaChange> change, CancellationToken cancellationToken)
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

    private async Task<Loaded> ChangeOnceAsync(Func<ClusterCaDocument, Loaded, DateTimeOffset, CaChange> change, CancellationToken cancellationToken)
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
        var decided = change(document, current, now);
        var (changed, recorded) = (decided.Document, decided.Event);
        if (changed is not null)
        {
            changed = changed with { Revision = document.Revision + 1, UpdatedAt = now };
            current = Open(changed, settings, decided.Resealing?.To);
            if (recorded is not null)
            {
                session.Events.Append(ClusterCaDocument.FixedId, recorded);
            }
        }

        if (decided.Resealing is { } resealing)
        {
            await ResealDataKeyAsync(session, resealing, now, cancellationToken);
        }

        // autolocked and open here: issue the locked identity when there is none, or a new one when it is due
        if ((changed ?? document) is { Autolock: true } final0 && current.Opened is { } opened && LockedIdentityDue(final0, opened.Signing, now))
        {
            changed = WithLockedIdentity(final0, opened.Signing, current.State.NodeCertExpiry, now) with { Revision = document.Revision + 1, UpdatedAt = now };
            current = current with { Document = changed };
            session.Events.Append(ClusterCaDocument.FixedId, Changed(changed, "locked-identity-issued", now));
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

        if (decided.Resealing is { } committed)
        {
            // from now on this process seals and opens with the new unlock key (or none)
            _keys.Remember(committed.Key);
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
            SealedRootKeys = [_keys.KeyEncryptionKey.Seal(root.ExportKey(), ClusterCaDocument.RootKeyPurpose(clusterId, root.Fingerprint))],
            SealedWorkerSecret = _keys.KeyEncryptionKey.Seal(System.Text.Encoding.ASCII.GetBytes(JoinToken.NewSecret()), ClusterCaDocument.SecretPurpose(clusterId, "worker")),
            SealedManagerSecret = _keys.KeyEncryptionKey.Seal(System.Text.Encoding.ASCII.GetBytes(JoinToken.NewSecret()), ClusterCaDocument.SecretPurpose(clusterId, "manager")),
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// Opens the stored state with the key-encryption key (with autolock: combined with the unlock key this process
    /// holds, or <paramref name="sealing"/>); a wrong key-encryption key is named as such. Autolocked without the right
    /// unlock key, the state is returned locked (public part only) — or with the keys this process already holds in
    /// memory, when only their sealing changed since it opened them.
    /// </summary>
    private Loaded Open(ClusterCaDocument document, ClusterSettings? settings, KeyEncryptionKey? sealing = null)
    {
        if (document.RootCertificates.Count == 0 || document.SealedRootKeys.Count == 0)
        {
            throw new InvalidOperationException("the cluster CA's stored state has no root");
        }

        var roots = document.RootCertificates.Select(X509CertificateLoader.LoadCertificate).ToList();
        var intermediates = document.CrossSignedRoot is { } crossSigned ? [X509CertificateLoader.LoadCertificate(crossSigned)] : new List<X509Certificate2>();
        var state = new CaState(document.ClusterId.ToString(), roots, intermediates, (settings ?? new ClusterSettings()).NodeCertExpiry(), document.RotationStartedAt);
        sealing ??= _keys.Sealing(document.Autolock);
        if (document.Autolock)
        {
            CheckKeyEncryptionKey(document);
            if (sealing is null || !OpensCheck(document, sealing))
            {
                Loaded? cached;
                lock (_gate)
                {
                    cached = _opened;
                }

                var kept = cached?.Opened is { } held
                    && cached.Document.ClusterId == document.ClusterId
                    && cached.Document.KeysRevision == document.KeysRevision
                    && cached.Document.RootCertificates.SequenceEqual(document.RootCertificates, ByteArrays.Instance)
                        ? held
                        : null;
                return new Loaded(document, state, kept);
            }
        }

        var signingFingerprint = Fingerprints.Sha256(roots[0]);
        RootCa signing;
        string workerSecret, managerSecret;
        try
        {
            var key = sealing!.Open(document.SealedRootKeys[0], ClusterCaDocument.RootKeyPurpose(document.ClusterId, signingFingerprint));
            try
            {
                signing = RootCa.Load(document.RootCertificates[0], key);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }

            workerSecret = System.Text.Encoding.ASCII.GetString(sealing.Open(document.SealedWorkerSecret, ClusterCaDocument.SecretPurpose(document.ClusterId, "worker")));
            managerSecret = System.Text.Encoding.ASCII.GetString(sealing.Open(document.SealedManagerSecret, ClusterCaDocument.SecretPurpose(document.ClusterId, "manager")));
        }
        catch (CryptographicException ex)
        {
            throw new ClusterCaKeyException(
                $"the key-encryption key does not open the cluster CA: {ex.Message} (is Swarm:Ca:KeyFile or Swarm:Ca:Key the key the cluster's CA was created with, in every manager?)", ex);
        }

        var digest = JoinToken.DigestOf(roots[0]);
        var loaded = new Loaded(document, state, new OpenedKeys(signing, new JoinToken(digest, workerSecret), new JoinToken(digest, managerSecret)));
        lock (_gate)
        {
            if (_opened is null || _opened.Document.ClusterId != document.ClusterId || _opened.Document.Revision <= document.Revision)
            {
                _opened = loaded;
            }
        }

        return loaded;
    }

    /// <summary>The key that seals <paramref name="document"/>'s keys now; throws <see cref="ClusterLockedException"/> when this process lacks it.</summary>
    private KeyEncryptionKey SealingOf(ClusterCaDocument document) =>
        document.Autolock ? CheckedUnlockSealing(document) : _keys.KeyEncryptionKey;

    private KeyEncryptionKey CheckedUnlockSealing(ClusterCaDocument document) =>
        _keys.Sealing(true) is { } combined && OpensCheck(document, combined)
            ? combined
            : throw new ClusterLockedException(_keys.UnlockKey is null
                ? "this manager does not hold the unlock key (autolock was turned on elsewhere, or it started locked): run 'swarmctl cluster unlock' with the unlock key first"
                : "this manager holds an unlock key of before a rotation: run 'swarmctl cluster unlock' with the current unlock key first");

    private static bool OpensCheck(ClusterCaDocument document, KeyEncryptionKey combined)
    {
        if (document.SealedUnlockCheck is not { } check)
        {
            return false;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(combined.Open(check, ClusterCaDocument.UnlockCheckPurpose(document.ClusterId)), UnlockCheckValue);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The locked identity's key is sealed with the key-encryption key alone: one that does not open it is not the cluster's.</summary>
    private void CheckKeyEncryptionKey(ClusterCaDocument document)
    {
        if (document.SealedLockedIdentityKey is not { } sealedKey)
        {
            return;
        }

        try
        {
            CryptographicOperations.ZeroMemory(_keys.KeyEncryptionKey.Open(sealedKey, ClusterCaDocument.LockedIdentityPurpose(document.ClusterId)));
        }
        catch (CryptographicException ex)
        {
            throw new ClusterCaKeyException(
                $"the key-encryption key does not open the cluster CA: {ex.Message} (is Swarm:Ca:KeyFile or Swarm:Ca:Key the key the cluster's CA was created with, in every manager?)", ex);
        }
    }

    /// <summary>Every sealed key and secret of <paramref name="document"/> opened with <paramref name="from"/> and sealed with <paramref name="to"/>.</summary>
    /// <summary>A new unlock key, and the document's secrets sealed anew under it with the check value to verify it.</summary>
    private (ClusterCaDocument Document, UnlockKey Key, KeyEncryptionKey Sealing) SealedUnderNewKey(ClusterCaDocument document, KeyEncryptionKey from)
    {
        var key = UnlockKey.Generate();
        var to = _keys.KeyEncryptionKey.WithUnlockKey(key);
        var changed = Reseal(document, from, to) with
        {
            SealedUnlockCheck = to.Seal(UnlockCheckValue, ClusterCaDocument.UnlockCheckPurpose(document.ClusterId)),
        };
        return (changed, key, to);
    }

    private static ClusterCaDocument Reseal(ClusterCaDocument document, KeyEncryptionKey from, KeyEncryptionKey to)
    {
        byte[] Move(byte[] sealedValue, string purpose)
        {
            var plain = from.Open(sealedValue, purpose);
            try
            {
                return to.Seal(plain, purpose);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plain);
            }
        }

        var rootKeys = document.RootCertificates
            .Select((der, i) => Move(document.SealedRootKeys[i], ClusterCaDocument.RootKeyPurpose(document.ClusterId, Convert.ToHexStringLower(SHA256.HashData(der)))))
            .ToList();
        return document with
        {
            SealedRootKeys = rootKeys,
            SealedWorkerSecret = Move(document.SealedWorkerSecret, ClusterCaDocument.SecretPurpose(document.ClusterId, "worker")),
            SealedManagerSecret = Move(document.SealedManagerSecret, ClusterCaDocument.SecretPurpose(document.ClusterId, "manager")),
        };
    }

    /// <summary>The secrets' data key sealed anew (made first when there is none yet), in the CA change's transaction.</summary>
    private async Task ResealDataKeyAsync(IDocumentSession session, Resealing resealing, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stored = await session.LoadAsync<SecretDataKeyDocument>(SecretDataKeyDocument.FixedId, cancellationToken);
        if (stored is null)
        {
            var made = SecretCipher.NewKey();
            session.Insert(new SecretDataKeyDocument
            {
                SealedKey = resealing.To.Seal(made, SecretDataKeyDocument.Purpose(SecretDataKeyDocument.FixedId)),
                CreatedAt = now,
                Autolocked = resealing.Autolocked,
            });
            CryptographicOperations.ZeroMemory(made);
            return;
        }

        var from = stored.Autolocked ? resealing.From ?? throw new ClusterLockedException() : _keys.KeyEncryptionKey;
        byte[] plain;
        try
        {
            plain = from.Open(stored.SealedKey, SecretDataKeyDocument.Purpose(stored.Id));
        }
        catch (CryptographicException ex)
        {
            throw new ClusterCaKeyException("the secrets' data key does not open with the key it should be sealed with: nothing was changed", ex);
        }

        stored.SealedKey = resealing.To.Seal(plain, SecretDataKeyDocument.Purpose(stored.Id));
        stored.Autolocked = resealing.Autolocked;
        CryptographicOperations.ZeroMemory(plain);
        session.Store(stored);
    }

    /// <summary>The locked identity with its key, ready for TLS; null when there is none or it expired.</summary>
    private X509Certificate2? LockedIdentity(ClusterCaDocument document)
    {
        if (document.LockedIdentityCertificate is not { } der || document.SealedLockedIdentityKey is not { } sealedKey)
        {
            return null;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(der);
        if (certificate.NotAfter.ToUniversalTime() <= _time.GetUtcNow().UtcDateTime)
        {
            return null;
        }

        var pkcs8 = _keys.KeyEncryptionKey.Open(sealedKey, ClusterCaDocument.LockedIdentityPurpose(document.ClusterId));
        try
        {
            using var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            using var withKey = certificate.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>No locked identity yet, or one not issued by the signing root, or past half its life.</summary>
    private static bool LockedIdentityDue(ClusterCaDocument document, RootCa signing, DateTimeOffset now)
    {
        if (document.LockedIdentityCertificate is not { } der || document.SealedLockedIdentityKey is null)
        {
            return true;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(der);
        var half = certificate.NotBefore.ToUniversalTime() + (certificate.NotAfter - certificate.NotBefore) / 2;
        return CertificateChains.Verify(certificate, [signing.Certificate], now) is not null || now.UtcDateTime >= half;
    }

    private ClusterCaDocument WithLockedIdentity(ClusterCaDocument document, RootCa signing, TimeSpan validity, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = signing.Issue(new PublicKey(key), new CertificateIdentity(LockedIdentityName, NodeRoles.Manager, document.ClusterId.ToString()), now, validity);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            return document with
            {
                LockedIdentityCertificate = certificate.RawData,
                SealedLockedIdentityKey = _keys.KeyEncryptionKey.Seal(pkcs8, ClusterCaDocument.LockedIdentityPurpose(document.ClusterId)),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>What a change decided: the new document and its event (nulls: no change), and, for autolock, how to re-seal.</summary>
    private sealed record CaChange(ClusterCaDocument? Document, ClusterCaChanged? Event, Resealing? Resealing = null)
    {
        public static readonly CaChange None = new(null, null);
    }

    /// <summary>
    /// An autolock change: the keys were sealed with <paramref name="From"/> (null: the key-encryption key alone) and are
    /// sealed with <paramref name="To"/> from now on; <paramref name="Key"/> is the unlock key this process holds afterwards.
    /// </summary>
    private sealed record Resealing(KeyEncryptionKey? From, KeyEncryptionKey To, bool Autolocked, UnlockKey? Key);

    private sealed class ByteArrays : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrays Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
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

    /// <summary>The signing root with its key and the join tokens, as opened.</summary>
    private sealed record OpenedKeys(RootCa Signing, JoinToken Worker, JoinToken Manager);

    /// <summary>
    /// The state as read: the public part, and the signing root with its key and the tokens when opened
    /// (<see cref="Opened"/> null: locked; <see cref="Signing"/>, the tokens and <see cref="RoleOf"/> throw <see cref="ClusterLockedException"/>).
    /// </summary>
    private sealed record Loaded(ClusterCaDocument Document, CaState State, OpenedKeys? Opened)
    {
        public RootCa Signing => (Opened ?? throw new ClusterLockedException()).Signing;

        public JoinToken Worker => (Opened ?? throw new ClusterLockedException()).Worker;

        public JoinToken Manager => (Opened ?? throw new ClusterLockedException()).Manager;

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
