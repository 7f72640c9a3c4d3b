using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Swarm.Security;

namespace Swarm.Domain.Tests.Security;

public sealed class KeyEncryptionKeyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-kek-").FullName;

    [Fact]
    public void A_sealed_value_opens_with_its_key_and_purpose()
    {
        var kek = KeyEncryptionKey.Parse(KeyEncryptionKey.Generate());
        var plain = Encoding.UTF8.GetBytes("the root key, as PKCS#8");

        var first = kek.Seal(plain, "root-key");
        var second = kek.Seal(plain, "root-key");

        Assert.Equal(plain, kek.Open(first, "root-key"));
        Assert.Equal(plain, kek.Open(second, "root-key"));
        Assert.NotEqual(first, second); // a fresh nonce each time
        Assert.Equal(-1, first.AsSpan().IndexOf(plain));
        Assert.Equal(12 + plain.Length + 16, first.Length);
        Assert.Empty(kek.Open(kek.Seal([], "empty"), "empty"));
    }

    [Fact]
    public void A_sealed_value_does_not_open_for_another_purpose_key_or_after_a_change()
    {
        var kek = KeyEncryptionKey.Parse(KeyEncryptionKey.Generate());
        var sealedValue = kek.Seal("secret"u8, "worker-token");

        Assert.ThrowsAny<CryptographicException>(() => kek.Open(sealedValue, "manager-token"));
        Assert.ThrowsAny<CryptographicException>(() => KeyEncryptionKey.Parse(KeyEncryptionKey.Generate()).Open(sealedValue, "worker-token"));
        foreach (var at in new[] { 0, 12, sealedValue.Length - 1 })
        {
            var changed = (byte[])sealedValue.Clone();
            changed[at] ^= 1;
            Assert.ThrowsAny<CryptographicException>(() => kek.Open(changed, "worker-token"));
        }

        Assert.ThrowsAny<CryptographicException>(() => kek.Open(sealedValue.AsSpan(0, 27), "worker-token"));
        Assert.ThrowsAny<CryptographicException>(() => kek.Open([], "worker-token"));
    }

    [Fact]
    public void A_key_is_base64_of_32_bytes_or_a_long_passphrase()
    {
        var text = KeyEncryptionKey.Generate();
        Assert.Equal(32, Convert.FromBase64String(text).Length);

        var sealedValue = KeyEncryptionKey.Parse(text).Seal("x"u8, "p");
        Assert.Equal("x"u8.ToArray(), KeyEncryptionKey.Parse($"  {text}\n").Open(sealedValue, "p"));

        var phrase = KeyEncryptionKey.Parse("correct horse battery staple");
        Assert.Equal("y"u8.ToArray(), KeyEncryptionKey.Parse("correct horse battery staple").Open(phrase.Seal("y"u8, "p"), "p"));

        Assert.Throws<ArgumentException>(() => KeyEncryptionKey.Parse("short"));
        Assert.Throws<ArgumentException>(() => KeyEncryptionKey.Parse(""));
        Assert.Throws<ArgumentException>(() => KeyEncryptionKey.Parse(Convert.ToBase64String(new byte[8]))); // 12 characters
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void A_key_file_readable_by_its_owner_only_is_read()
    {
        var path = Path.Combine(_dir, "kek");
        var text = KeyEncryptionKey.Generate();
        Pem.WritePrivate(path, text + "\n");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        var sealedValue = KeyEncryptionKey.Parse(text).Seal("z"u8, "p");
        Assert.Equal("z"u8.ToArray(), KeyEncryptionKey.FromFile(path).Open(sealedValue, "p"));
    }

    [Theory]
    [UnsupportedOSPlatform("windows")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "640")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherWrite, "402")]
    public void A_key_file_others_may_read_is_refused(UnixFileMode mode, string octal)
    {
        var path = Path.Combine(_dir, "kek");
        File.WriteAllText(path, KeyEncryptionKey.Generate());
        File.SetUnixFileMode(path, mode);

        var ex = Assert.Throws<UnauthorizedAccessException>(() => KeyEncryptionKey.FromFile(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"mode {octal}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_key_file_is_named()
    {
        var path = Path.Combine(_dir, "nothing-here");
        var ex = Assert.Throws<FileNotFoundException>(() => KeyEncryptionKey.FromFile(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
