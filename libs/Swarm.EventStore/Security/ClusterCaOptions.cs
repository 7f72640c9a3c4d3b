using Microsoft.Extensions.Configuration;
using Swarm.Security;

namespace Swarm.EventStore.Security;

/// <summary>The key-encryption key's source: <c>Swarm:Ca:KeyFile</c> (a 0600 file) or <c>Swarm:Ca:Key</c> (the key itself, e.g. from an environment variable).</summary>
public sealed class ClusterCaOptions
{
    public const string Section = "Swarm:Ca";
    public string? KeyFile { get; set; }
    public string? Key { get; set; }

    /// <summary>The options of <see cref="Section"/> in <paramref name="configuration"/>.</summary>
    public static ClusterCaOptions From(IConfiguration configuration) => new()
    {
        KeyFile = configuration[$"{Section}:KeyFile"] is { Length: > 0 } file ? file.Trim() : null,
        Key = configuration[$"{Section}:Key"] is { Length: > 0 } key ? key : null,
    };

    /// <summary>
    /// The key-encryption key: from <see cref="KeyFile"/> (refused if others may read it) or <see cref="Key"/>.
    /// Throws <see cref="InvalidOperationException"/> naming the setting when neither or both are set or the key is unusable.
    /// </summary>
    public KeyEncryptionKey LoadKey()
    {
        if (KeyFile is null && string.IsNullOrWhiteSpace(Key))
        {
            throw new InvalidOperationException(
                $"the cluster CA needs its key-encryption key: set {Section}:KeyFile (a file of mode 0600; environment variable Swarm__Ca__KeyFile) " +
                $"or {Section}:Key (the key itself; Swarm__Ca__Key). Make one with 'openssl rand -base64 32'; every manager needs the same key");
        }

        if (KeyFile is not null && !string.IsNullOrWhiteSpace(Key))
        {
            throw new InvalidOperationException($"both {Section}:KeyFile and {Section}:Key are set: set only one");
        }

        var source = KeyFile is not null ? $"{Section}:KeyFile" : $"{Section}:Key";
        try
        {
            return KeyFile is not null ? KeyEncryptionKey.FromFile(KeyFile) : KeyEncryptionKey.Parse(Key!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"the cluster CA's key-encryption key ({source}) cannot be used: {ex.Message}", ex);
        }
    }
}
