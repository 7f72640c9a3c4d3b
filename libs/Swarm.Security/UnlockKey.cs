using System.Security.Cryptography;

namespace Swarm.Security;

/// <summary>
/// The key that unlocks an autolocked cluster (SwarmKit's): 256 random bits, written <c>SWMKEY-1-&lt;base64&gt;</c>.
/// Never stored by the cluster: the operator keeps it and gives it to a manager that starts locked. Together with the
/// key-encryption key it derives the key that seals the root keys, the join-token secrets and the secrets' data key
/// (<see cref="KeyEncryptionKey.WithUnlockKey"/>). <see cref="ToString"/> gives the key itself: never log it.
/// </summary>
public sealed class UnlockKey
{
    public const string Prefix = "SWMKEY-1-";
    public const int Size = 32;

    private readonly byte[] _key;

    private UnlockKey(byte[] key) => _key = key;

    /// <summary>A new random key.</summary>
    public static UnlockKey Generate() => new(RandomNumberGenerator.GetBytes(Size));

    internal ReadOnlySpan<byte> Bytes => _key;

    /// <summary>Reads <c>SWMKEY-1-&lt;base64 of 32 bytes&gt;</c> (surrounding white space ignored); false with a reason otherwise.</summary>
    public static bool TryParse(string? text, out UnlockKey key, out string error)
    {
        key = null!;
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0)
        {
            error = "an unlock key is required (SWMKEY-1-…, as printed when autolock was enabled)";
            return false;
        }

        if (!trimmed.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = $"an unlock key begins with {Prefix} (it was printed when autolock was enabled or the key rotated)";
            return false;
        }

        var body = trimmed[Prefix.Length..];
        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(body.PadRight(body.Length + (4 - body.Length % 4) % 4, '='));
        }
        catch (FormatException)
        {
            error = $"the unlock key after {Prefix} is not base64: is it copied whole?";
            return false;
        }

        if (raw.Length != Size)
        {
            error = $"the unlock key holds {raw.Length} bytes, not {Size}: is it copied whole?";
            return false;
        }

        key = new UnlockKey(raw);
        error = "";
        return true;
    }

    /// <summary>As <see cref="TryParse"/>, throwing <see cref="ArgumentException"/> with the reason.</summary>
    public static UnlockKey Parse(string? text) =>
        TryParse(text, out var key, out var error) ? key : throw new ArgumentException(error, nameof(text));

    /// <summary>The same key, compared in constant time.</summary>
    public bool SameAs(UnlockKey other) => CryptographicOperations.FixedTimeEquals(_key, other._key);

    /// <summary>The key as the operator writes it down: <c>SWMKEY-1-</c> and base64 without padding.</summary>
    public override string ToString() => Prefix + Convert.ToBase64String(_key).TrimEnd('=');
}
