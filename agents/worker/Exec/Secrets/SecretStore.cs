using System.Security.Cryptography;

namespace Swarm.Worker.Exec.Secrets;

/// <summary>Whether a value is a secret's or a config's.</summary>
public enum ValueKind
{
    Secret,
    Config,
}

/// <summary>
/// A secret's or config's value as the agent holds it. <see cref="ToString"/> leaves the bytes out, so a value put in a
/// log line or an exception by mistake shows only what it is.
/// </summary>
public sealed record HeldValue(string Id, ValueKind Kind, string Name, byte[] Data)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} '{Name}' ({Id}, {Data.Length} bytes)";
}

/// <summary>
/// The secret and config values the node's tasks need, in memory only (SwarmKit's agent secrets manager). The
/// dispatcher's complete assignment set replaces them (a value it does not carry is forgotten), an incremental one adds
/// values and forgets those named as no longer needed. A forgotten value's bytes are zeroed. Controllers read a copy
/// (<see cref="CopyOf"/>) that they zero after writing it to the task's file, so a value replaced or forgotten while a
/// task is being prepared is never seen half zeroed.
/// </summary>
public sealed class SecretStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, HeldValue> _values = new(StringComparer.Ordinal);

    /// <summary>How many values are held.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _values.Count;
            }
        }
    }

    /// <summary>The ids of the values held (a snapshot).</summary>
    public IReadOnlyCollection<string> Ids
    {
        get
        {
            lock (_gate)
            {
                return [.. _values.Keys];
            }
        }
    }

    public bool Contains(string id)
    {
        lock (_gate)
        {
            return _values.ContainsKey(id);
        }
    }

    /// <summary>A complete set: these values and no others are held from now on.</summary>
    public void Replace(IEnumerable<HeldValue> values)
    {
        var incoming = values.ToList();
        lock (_gate)
        {
            var keep = incoming.Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _values.Keys.Where(id => !keep.Contains(id)).ToList())
            {
                ForgetLocked(gone);
            }

            foreach (var value in incoming)
            {
                PutLocked(value);
            }
        }
    }

    /// <summary>An incremental set: adds (or replaces) <paramref name="added"/>, then forgets <paramref name="removedIds"/>.</summary>
    public void Update(IEnumerable<HeldValue> added, IEnumerable<string> removedIds)
    {
        lock (_gate)
        {
            foreach (var value in added)
            {
                PutLocked(value);
            }

            foreach (var id in removedIds)
            {
                ForgetLocked(id);
            }
        }
    }

    /// <summary>Forgets every value (zeroing it).</summary>
    public void Clear() => Replace([]);

    /// <summary>
    /// A copy of the value with this id, of the given kind, or null when none is held; the caller zeroes the copy
    /// (<see cref="CryptographicOperations.ZeroMemory"/>) once it is written.
    /// </summary>
    internal byte[]? CopyOf(string id, ValueKind kind)
    {
        lock (_gate)
        {
            return _values.TryGetValue(id, out var value) && value.Kind == kind ? value.Data.ToArray() : null;
        }
    }

    private void PutLocked(HeldValue value)
    {
        if (_values.TryGetValue(value.Id, out var old) && !ReferenceEquals(old.Data, value.Data))
        {
            CryptographicOperations.ZeroMemory(old.Data);
        }

        _values[value.Id] = value;
    }

    private void ForgetLocked(string id)
    {
        if (_values.Remove(id, out var old))
        {
            CryptographicOperations.ZeroMemory(old.Data);
        }
    }
}
