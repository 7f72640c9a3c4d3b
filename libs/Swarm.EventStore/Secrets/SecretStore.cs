using System.Security.Cryptography;
using Marten;
using Swarm.Contracts.Events;
using Swarm.Domain.Secrets;
using Swarm.Domain.Services;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.EventStore.Secrets;

/// <summary>
/// Secrets and configs at rest. A value is encrypted with the cluster's data key (<see cref="SecretDataKeyDocument"/>,
/// sealed with the key-encryption key) and kept in its own row (<see cref="SecretValueDocument"/>), written in the same
/// transaction as the <c>SecretCreated</c>/<c>ConfigCreated</c> event that records its metadata; the log, the read models
/// and the bus only ever see the id, the name, the labels and the size. Configs are stored the same way: one code path,
/// and a config may hold a certificate's key a user did not think of as secret.
/// </summary>
public sealed class SecretStore
{
    public const string SecretKind = "secret";
    public const string ConfigKind = "config";

    private readonly IDocumentStore _store;
    private readonly ManagerKeys _keys;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _keyGate = new(1, 1);
    private byte[]? _dataKey;

    public SecretStore(IDocumentStore store, KeyEncryptionKey keyEncryptionKey, TimeProvider? time = null)
        : this(store, new ManagerKeys(keyEncryptionKey), time)
    {
    }

    /// <summary>A store sharing the process's keys with its <see cref="ClusterCa"/>: an unlock given to one opens the other.</summary>
    public SecretStore(IDocumentStore store, ManagerKeys keys, TimeProvider? time = null)
    {
        _store = store;
        _keys = keys;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Creates a secret or config: event, encrypted value and name claim in one transaction. The caller validated
    /// name, labels and size (<see cref="SecretRules"/>). Throws <see cref="SecretNameTakenException"/> when a live one
    /// of that kind has the name.
    /// </summary>
    public async Task<Guid> CreateAsync(string kind, string name, IReadOnlyDictionary<string, string>? labels, byte[] data, CancellationToken cancellationToken = default)
    {
        CheckKind(kind);
        var key = await DataKeyAsync(cancellationToken);
        var id = Guid.NewGuid();
        var now = _time.GetUtcNow();
        await using var session = _store.LightweightSession();
        session.Stamp();
        if (await session.LoadAsync<SecretNameClaim>(SecretNameClaim.For(kind, name), cancellationToken) is not null)
        {
            throw new SecretNameTakenException(kind, name);
        }

        object created = kind == SecretKind
            ? new SecretCreated { SecretId = id, Name = name, Labels = labels, Size = data.Length, At = now }
            : new ConfigCreated { ConfigId = id, Name = name, Labels = labels, Size = data.Length, Digest = Convert.ToHexStringLower(SHA256.HashData(data)), At = now };
        if (kind == SecretKind)
        {
            session.Events.StartStream<Secret>(id, created);
        }
        else
        {
            session.Events.StartStream<Config>(id, created);
        }

        session.Insert(new SecretValueDocument { Id = id, Kind = kind, Ciphertext = SecretCipher.Encrypt(key, kind, id, data) });
        session.Insert(new SecretNameClaim { Id = SecretNameClaim.For(kind, name), OwnerId = id });
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (Conflicts.IsConflict(ex))
        {
            // another create of the same name committed between the check and this commit
            throw new SecretNameTakenException(kind, name);
        }

        return id;
    }

    /// <summary>
    /// Removes a secret or config unless a live service references it by name: then nothing is written and the
    /// names of those services are returned (empty when removed). The event, the deletion of the encrypted value and
    /// of the name claim are one transaction.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(string kind, Guid id, string name, CancellationToken cancellationToken = default)
    {
        CheckKind(kind);
        await using var session = _store.LightweightSession();
        session.Stamp();
        var services = await session.Query<Service>().Where(s => !s.Removed).ToListAsync(cancellationToken);
        var users = ServicesUsing(kind, name, services);
        if (users.Count > 0)
        {
            return users;
        }

        var now = _time.GetUtcNow();
        session.Events.Append(id, kind == SecretKind ? new SecretRemoved { SecretId = id, Name = name, At = now } : new ConfigRemoved { ConfigId = id, Name = name, At = now });
        session.Delete<SecretValueDocument>(id);
        session.Delete<SecretNameClaim>(SecretNameClaim.For(kind, name));
        await session.SaveChangesAsync(cancellationToken);
        return [];
    }

    /// <summary>The value of a live secret or config, decrypted; null when there is none of that id and kind.</summary>
    public async Task<byte[]?> ReadValueAsync(string kind, Guid id, CancellationToken cancellationToken = default)
    {
        CheckKind(kind);
        await using var session = _store.QuerySession();
        var stored = await session.LoadAsync<SecretValueDocument>(id, cancellationToken);
        if (stored is null || stored.Kind != kind)
        {
            return null;
        }

        return SecretCipher.Decrypt(await DataKeyAsync(cancellationToken), kind, id, stored.Ciphertext);
    }

    /// <summary>
    /// The ids of the live secrets and configs of the given kinds and names, in one query; a name with no live one is
    /// missing from the answer.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Kind, string Name), Guid>> ResolveIdsAsync(IReadOnlyCollection<(string Kind, string Name)> names, CancellationToken cancellationToken = default)
    {
        if (names.Count == 0)
        {
            return new Dictionary<(string Kind, string Name), Guid>();
        }

        foreach (var (kind, _) in names)
        {
            CheckKind(kind);
        }

        await using var session = _store.QuerySession();
        var claims = await session.LoadManyAsync<SecretNameClaim>(cancellationToken, names.Select(n => SecretNameClaim.For(n.Kind, n.Name)).Distinct().ToArray());
        var owners = claims.ToDictionary(c => c.Id, c => c.OwnerId, StringComparer.Ordinal);
        var resolved = new Dictionary<(string Kind, string Name), Guid>();
        foreach (var name in names)
        {
            if (owners.TryGetValue(SecretNameClaim.For(name.Kind, name.Name), out var id))
            {
                resolved[name] = id;
            }
        }

        return resolved;
    }

    /// <summary>The names of the services whose spec references the secret (or config) <paramref name="name"/>, sorted.</summary>
    public static IReadOnlyList<string> ServicesUsing(string kind, string name, IEnumerable<Service> services) =>
        services
            .Where(s => kind == SecretKind
                ? (s.Spec.Secrets ?? []).Any(r => r.Source == name)
                : (s.Spec.Configs ?? []).Any(r => r.Source == name))
            .Select(s => s.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// The data key: read and unsealed once per process; made, sealed and stored by the first process that needs one
    /// (a second process racing it loses the insert and reads the winner's).
    /// </summary>
    private async Task<byte[]> DataKeyAsync(CancellationToken cancellationToken)
    {
        if (_dataKey is { } cached)
        {
            return cached;
        }

        await _keyGate.WaitAsync(cancellationToken);
        try
        {
            if (_dataKey is { } known)
            {
                return known;
            }

            for (var attempt = 1; ; attempt++)
            {
                await using (var query = _store.QuerySession())
                {
                    if (await query.LoadAsync<SecretDataKeyDocument>(SecretDataKeyDocument.FixedId, cancellationToken) is { } stored)
                    {
                        // autolocked: sealed with the key-encryption key and the unlock key, which this process may not hold
                        var sealing = _keys.Sealing(stored.Autolocked) ?? throw new ClusterLockedException();
                        try
                        {
                            return _dataKey = sealing.Open(stored.SealedKey, SecretDataKeyDocument.Purpose(stored.Id));
                        }
                        catch (CryptographicException) when (stored.Autolocked)
                        {
                            // an unlock key of before a rotation
                            throw new ClusterLockedException();
                        }
                        catch (CryptographicException ex)
                        {
                            throw new CryptographicException(
                                "the key-encryption key does not open the secrets' data key (is Swarm:Ca:KeyFile or Swarm:Ca:Key the key the cluster was created with, in every manager?)", ex);
                        }
                    }
                }

                var key = SecretCipher.NewKey();
                await using var session = _store.LightweightSession();
                session.Insert(new SecretDataKeyDocument { SealedKey = _keys.KeyEncryptionKey.Seal(key, SecretDataKeyDocument.Purpose(SecretDataKeyDocument.FixedId)), CreatedAt = _time.GetUtcNow() });
                try
                {
                    await session.SaveChangesAsync(cancellationToken);
                    return _dataKey = key;
                }
                catch (Exception ex) when (attempt < 3 && Conflicts.IsConflict(ex))
                {
                    CryptographicOperations.ZeroMemory(key);
                }
            }
        }
        finally
        {
            _keyGate.Release();
        }
    }

    private static void CheckKind(string kind)
    {
        if (kind is not (SecretKind or ConfigKind))
        {
            throw new ArgumentException($"'{kind}' is neither {SecretKind} nor {ConfigKind}", nameof(kind));
        }
    }
}

/// <summary>A live secret (or config) already has the name.</summary>
public sealed class SecretNameTakenException(string kind, string name) : InvalidOperationException($"a {kind} named '{name}' exists already");
