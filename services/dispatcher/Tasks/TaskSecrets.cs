using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using Swarm.Domain.Tasks;
using Swarm.EventStore.Secrets;
using Swarm.EventStore.Security;
using SecretValue = Swarm.Dispatcher.Api.SecretValue;

namespace Swarm.Dispatcher.Tasks;

/// <summary>A secret or config as a service spec names it.</summary>
public readonly record struct SecretName(string Kind, string Name);

/// <summary>The values of live secrets and configs, looked up by name when tasks that reference them are sent.</summary>
public interface ISecretSource
{
    /// <summary>The live ones among <paramref name="names"/>, with their values; a name with none is missing from the answer.</summary>
    Task<IReadOnlyDictionary<SecretName, SecretValue>> ResolveAsync(IReadOnlyCollection<SecretName> names, CancellationToken cancellationToken);
}

/// <summary>
/// What the tasks about to be sent to agents reference, resolved to values: read here, at the moment of sending, so
/// that a value reaches an agent only in the session of a node that runs a task referencing it.
/// </summary>
public static class TaskSecrets
{
    public static readonly IReadOnlyDictionary<SecretName, SecretValue> None = new Dictionary<SecretName, SecretValue>();

    /// <summary>The secrets and configs the tasks' specs name (none for most tasks: then nothing is read).</summary>
    public static IReadOnlyCollection<SecretName> NamesOf(IEnumerable<SwarmTask> tasks)
    {
        HashSet<SecretName>? names = null;
        foreach (var task in tasks)
        {
            foreach (var secret in task.Spec.Secrets ?? [])
            {
                (names ??= []).Add(new SecretName(SecretStore.SecretKind, secret.Source));
            }

            foreach (var config in task.Spec.Configs ?? [])
            {
                (names ??= []).Add(new SecretName(SecretStore.ConfigKind, config.Source));
            }
        }

        return (IReadOnlyCollection<SecretName>?)names ?? [];
    }

    /// <summary>The values the tasks need, from <paramref name="source"/> (none without a source or references).</summary>
    public static async Task<IReadOnlyDictionary<SecretName, SecretValue>> ResolveAsync(ISecretSource? source, IEnumerable<SwarmTask> tasks, CancellationToken cancellationToken)
    {
        var names = NamesOf(tasks);
        return source is null || names.Count == 0 ? None : await source.ResolveAsync(names, cancellationToken);
    }
}

/// <summary>
/// <see cref="ISecretSource"/> over the encrypted store: names are resolved to ids on every call (a secret removed and
/// created again under its name is a new id); values, immutable, are kept in memory by id once decrypted, and only
/// while few (a bounded cache, emptied when full). A value that cannot be decrypted (a key-encryption key that is not the
/// cluster's) is left out, so the tasks that need it fail on their node with a clear error while the others run.
/// </summary>
public sealed class StoreSecretSource(Func<SecretStore> openStore, ILogger<StoreSecretSource>? logger = null) : ISecretSource
{
    // made on the first task that references a secret: a dispatcher with no such task needs no key to open one
    private readonly Lazy<SecretStore> _store = new(openStore);

    public StoreSecretSource(SecretStore store, ILogger<StoreSecretSource>? logger = null)
        : this(() => store, logger)
    {
    }

    private const int MaxCached = 1024;

    private readonly ConcurrentDictionary<Guid, SecretValue> _values = new();

    public async Task<IReadOnlyDictionary<SecretName, SecretValue>> ResolveAsync(IReadOnlyCollection<SecretName> names, CancellationToken cancellationToken)
    {
        var ids = await _store.Value.ResolveIdsAsync(names.Select(n => (n.Kind, n.Name)).ToList(), cancellationToken);
        var resolved = new Dictionary<SecretName, SecretValue>();
        foreach (var ((kind, name), id) in ids)
        {
            if (!_values.TryGetValue(id, out var value))
            {
                byte[]? data;
                try
                {
                    data = await _store.Value.ReadValueAsync(kind, id, cancellationToken);
                }
                catch (Exception ex) when (ex is CryptographicException or ClusterLockedException)
                {
                    logger?.LogError("the value of {Kind} {Name} ({Id}) cannot be decrypted; tasks that need it will not start: {Reason}", kind, name, id, ex.Message);
                    continue;
                }

                if (data is null)
                {
                    continue; // removed between the two reads
                }

                value = new SecretValue { Id = id.ToString(), Kind = kind, Name = name, Data = ByteString.CopyFrom(data) };
                Array.Clear(data);
                if (_values.Count >= MaxCached)
                {
                    _values.Clear();
                }

                _values[id] = value;
            }

            resolved[new SecretName(kind, name)] = value;
        }

        return resolved;
    }
}
