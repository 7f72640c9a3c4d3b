using System.Security.Cryptography;
using Swarm.Security;

namespace Swarm.Domain.Tests.Security;

public sealed class UnlockKeyTests
{
    [Fact]
    public void A_key_is_written_SWMKEY_1_and_reads_back_as_itself()
    {
        var key = UnlockKey.Generate();
        var text = key.ToString();

        Assert.StartsWith("SWMKEY-1-", text, StringComparison.Ordinal);
        Assert.DoesNotContain('=', text);
        Assert.True(UnlockKey.Parse($"  {text}\n").SameAs(key));
        Assert.False(UnlockKey.Generate().SameAs(key));
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("   ", "required")]
    [InlineData("SWMTKN-1-abc", "begins with SWMKEY-1-")]
    [InlineData("SWMKEY-1-***not base64***", "not base64")]
    [InlineData("SWMKEY-1-AAAA", "3 bytes, not 32")]
    public void A_malformed_key_is_refused_with_the_reason(string text, string reason)
    {
        Assert.False(UnlockKey.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        var thrown = Assert.Throws<ArgumentException>(() => UnlockKey.Parse(text));
        Assert.Contains(reason, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_combined_key_opens_only_with_both_the_key_encryption_key_and_the_unlock_key()
    {
        var kekText = KeyEncryptionKey.Generate();
        var kek = KeyEncryptionKey.Parse(kekText);
        var unlock = UnlockKey.Generate();
        var sealedValue = kek.WithUnlockKey(unlock).Seal("root key"u8, "root");

        // the same two keys, read again, open it
        Assert.Equal("root key"u8.ToArray(), KeyEncryptionKey.Parse(kekText).WithUnlockKey(UnlockKey.Parse(unlock.ToString())).Open(sealedValue, "root"));

        // either alone, or with another partner, does not
        Assert.ThrowsAny<CryptographicException>(() => kek.Open(sealedValue, "root"));
        Assert.ThrowsAny<CryptographicException>(() => kek.WithUnlockKey(UnlockKey.Generate()).Open(sealedValue, "root"));
        Assert.ThrowsAny<CryptographicException>(() => KeyEncryptionKey.Parse(KeyEncryptionKey.Generate()).WithUnlockKey(unlock).Open(sealedValue, "root"));
        Assert.ThrowsAny<CryptographicException>(() => kek.WithUnlockKey(unlock).Open(sealedValue, "other purpose"));
    }
}
