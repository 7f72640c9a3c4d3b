using System.Security.Cryptography;
using System.Text;

namespace Swarm.Security;

/// <summary>
/// Encrypts secret and config values at rest: AES-256-GCM under the cluster's data key (itself sealed with the
/// key-encryption key), a fresh 96-bit nonce per value, and the value's kind and id as associated data, so a
/// ciphertext copied to another secret's row does not open there. Layout: nonce ‖ ciphertext ‖ tag.
/// </summary>
public static class SecretCipher
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>A new random 256-bit data key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    /// <summary>The associated data binding a ciphertext to one value (<paramref name="kind"/> secret or config).</summary>
    public static byte[] AssociatedData(string kind, Guid id) => Encoding.UTF8.GetBytes($"swarm-{kind}/{id:D}");

    public static byte[] Encrypt(ReadOnlySpan<byte> dataKey, string kind, Guid id, ReadOnlySpan<byte> plain)
    {
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(dataKey, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), AssociatedData(kind, id));
        return output;
    }

    /// <summary>The value; throws <see cref="CryptographicException"/> for another key, another id or kind, or a changed ciphertext.</summary>
    public static byte[] Decrypt(ReadOnlySpan<byte> dataKey, string kind, Guid id, ReadOnlySpan<byte> encrypted)
    {
        if (encrypted.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("the encrypted value is too short");
        }

        var length = encrypted.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(dataKey, TagSize);
        aes.Decrypt(encrypted[..NonceSize], encrypted.Slice(NonceSize, length), encrypted[(NonceSize + length)..], plain, AssociatedData(kind, id));
        return plain;
    }
}
