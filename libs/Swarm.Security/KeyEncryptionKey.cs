using System.Security.Cryptography;
using System.Text;

namespace Swarm.Security;

/// <summary>
/// The key that seals the cluster's secrets at rest (the root CA key, the join-token secrets): AES-256-GCM,
/// a fresh nonce per seal, the purpose bound as associated data so a sealed value cannot be moved to
/// another field. The managers get it from configuration: a file with 0600 permissions or a variable.
/// </summary>
public sealed class KeyEncryptionKey
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    private KeyEncryptionKey(byte[] key) => _key = key;

    /// <summary>A new random key, as text (base64 of 32 bytes) to write to a file or a variable.</summary>
    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Reads the key from its text: base64 of 32 bytes, or any other text of 16+ characters (hashed with SHA-256).</summary>
    public static KeyEncryptionKey Parse(string text)
    {
        var trimmed = (text ?? "").Trim();
        try
        {
            var raw = Convert.FromBase64String(trimmed);
            if (raw.Length == 32)
            {
                return new KeyEncryptionKey(raw);
            }
        }
        catch (FormatException)
        {
        }

        if (trimmed.Length < 16)
        {
            throw new ArgumentException("the key-encryption key must be base64 of 32 bytes or a passphrase of at least 16 characters");
        }

        return new KeyEncryptionKey(SHA256.HashData(Encoding.UTF8.GetBytes(trimmed)));
    }

    /// <summary>Reads the key file, refusing one that others than its owner may read.</summary>
    public static KeyEncryptionKey FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"the key-encryption key file {path} does not exist", path);
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new UnauthorizedAccessException($"the key-encryption key file {path} may be read by others (mode {Convert.ToString((int)mode, 8)}): chmod 600 it");
            }
        }

        return Parse(File.ReadAllText(path));
    }

    /// <summary>
    /// The key autolock seals with: HKDF-SHA256 over this key and <paramref name="unlockKey"/>, so that neither the
    /// key-encryption key from configuration nor the unlock key alone opens what it seals.
    /// </summary>
    public KeyEncryptionKey WithUnlockKey(UnlockKey unlockKey)
    {
        ArgumentNullException.ThrowIfNull(unlockKey);
        var material = new byte[_key.Length + UnlockKey.Size];
        try
        {
            _key.CopyTo(material, 0);
            unlockKey.Bytes.CopyTo(material.AsSpan(_key.Length));
            return new KeyEncryptionKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, material, 32, salt: [], info: Encoding.UTF8.GetBytes("swarm-autolock/v1")));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    public byte[] Seal(ReadOnlySpan<byte> plain, string purpose)
    {
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(purpose));
        return output;
    }

    /// <summary>Opens a sealed value; throws <see cref="CryptographicException"/> for a wrong key, purpose or a changed value.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedValue, string purpose)
    {
        if (sealedValue.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("the sealed value is too short");
        }

        var length = sealedValue.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedValue[..NonceSize], sealedValue.Slice(NonceSize, length), sealedValue[(NonceSize + length)..], plain, Encoding.UTF8.GetBytes(purpose));
        return plain;
    }
}
