using System.Security.Cryptography;
using System.Text;
using Swarm.Security;

namespace Swarm.Domain.Tests.Secrets;

public class SecretCipherTests
{
    private static readonly Guid Id = Guid.Parse("5ec2e700-0000-4000-8000-000000000001");

    [Fact]
    public void A_value_round_trips_and_its_ciphertext_does_not_contain_it()
    {
        var key = SecretCipher.NewKey();
        var plain = Encoding.UTF8.GetBytes("correct horse battery staple");

        var first = SecretCipher.Encrypt(key, "secret", Id, plain);
        var second = SecretCipher.Encrypt(key, "secret", Id, plain);

        Assert.Equal(plain, SecretCipher.Decrypt(key, "secret", Id, first));
        Assert.NotEqual(first, second); // a fresh nonce each time
        Assert.Equal(-1, first.AsSpan().IndexOf(plain));
        Assert.Equal(12 + plain.Length + 16, first.Length);
    }

    [Fact]
    public void Another_data_key_does_not_open_a_value()
    {
        var encrypted = SecretCipher.Encrypt(SecretCipher.NewKey(), "secret", Id, "hunter2"u8);

        Assert.ThrowsAny<CryptographicException>(() => SecretCipher.Decrypt(SecretCipher.NewKey(), "secret", Id, encrypted));
    }

    [Fact]
    public void A_ciphertext_is_bound_to_its_id_and_kind()
    {
        var key = SecretCipher.NewKey();
        var encrypted = SecretCipher.Encrypt(key, "secret", Id, "hunter2"u8);

        // copied into another secret's row, or read as a config, it does not open
        Assert.ThrowsAny<CryptographicException>(() => SecretCipher.Decrypt(key, "secret", Guid.NewGuid(), encrypted));
        Assert.ThrowsAny<CryptographicException>(() => SecretCipher.Decrypt(key, "config", Id, encrypted));
    }

    [Fact]
    public void A_changed_or_truncated_ciphertext_does_not_open()
    {
        var key = SecretCipher.NewKey();
        var encrypted = SecretCipher.Encrypt(key, "secret", Id, "hunter2"u8);
        foreach (var at in new[] { 0, 12, encrypted.Length - 1 })
        {
            var changed = (byte[])encrypted.Clone();
            changed[at] ^= 1;
            Assert.ThrowsAny<CryptographicException>(() => SecretCipher.Decrypt(key, "secret", Id, changed));
        }

        Assert.ThrowsAny<CryptographicException>(() => SecretCipher.Decrypt(key, "secret", Id, encrypted.AsSpan(0, 20)));
    }

    [Fact]
    public void The_data_key_sealed_with_one_key_encryption_key_does_not_open_with_another()
    {
        var kek = KeyEncryptionKey.Parse(KeyEncryptionKey.Generate());
        var dataKey = SecretCipher.NewKey();
        var sealedKey = kek.Seal(dataKey, "swarm-secrets/data-key");

        Assert.Equal(dataKey, kek.Open(sealedKey, "swarm-secrets/data-key"));
        Assert.ThrowsAny<CryptographicException>(() => KeyEncryptionKey.Parse(KeyEncryptionKey.Generate()).Open(sealedKey, "swarm-secrets/data-key"));
    }
}
