namespace Swarm.EventStore.Secrets;

/// <summary>
/// The data key that encrypts every secret and config value, sealed with the managers' key-encryption key (as the CA's
/// root key is); one document of fixed id, created on first use.
/// </summary>
public sealed class SecretDataKeyDocument
{
    public static readonly Guid FixedId = Guid.Parse("00000000-0000-5000-8000-00000000005e");

    public Guid Id { get; set; } = FixedId;

    /// <summary>The 256-bit data key, sealed under <see cref="Purpose"/>.</summary>
    public byte[] SealedKey { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// Sealed with the key-encryption key combined with the unlock key (autolock) rather than the key-encryption key
    /// alone; re-sealed by <see cref="Security.ClusterCa"/> in the transaction that turns autolock on or off or rotates
    /// the unlock key.
    /// </summary>
    public bool Autolocked { get; set; }

    public static string Purpose(Guid id) => $"swarm-secrets/{id:D}/data-key";
}

/// <summary>One secret's or config's value, encrypted (<see cref="Swarm.Security.SecretCipher"/>), keyed by its id.</summary>
public sealed class SecretValueDocument
{
    public Guid Id { get; set; }

    /// <summary><c>secret</c> or <c>config</c>: part of the associated data, as the id is.</summary>
    public string Kind { get; set; } = "";

    public byte[] Ciphertext { get; set; } = [];
}

/// <summary>Reserves a live secret's or config's name (<c>secret/NAME</c>, <c>config/NAME</c>); deleted when it is removed.</summary>
public sealed class SecretNameClaim
{
    public string Id { get; set; } = "";
    public Guid OwnerId { get; set; }

    public static string For(string kind, string name) => $"{kind}/{name}";
}
