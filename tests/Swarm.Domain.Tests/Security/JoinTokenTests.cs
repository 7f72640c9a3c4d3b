using Swarm.Security;

namespace Swarm.Domain.Tests.Security;

public sealed class JoinTokenTests : IDisposable
{
    private readonly RootCa _root = RootCa.Create("cluster-a", DateTimeOffset.UtcNow);
    private readonly RootCa _other = RootCa.Create("cluster-a", DateTimeOffset.UtcNow);

    [Fact]
    public void A_token_has_swarmkits_form()
    {
        var token = JoinToken.Create(_root.Certificate);
        Assert.Matches("^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$", token.ToString());
        Assert.Equal(JoinToken.DigestOf(_root.Certificate), token.RootDigest);
    }

    [Fact]
    public void Secrets_are_fresh_each_time()
    {
        var secrets = Enumerable.Range(0, 200).Select(_ => JoinToken.NewSecret()).ToList();
        Assert.Equal(secrets.Count, secrets.Distinct().Count());
        Assert.All(secrets, s => Assert.Matches("^[0-9a-z]{25}$", s));
    }

    [Fact]
    public void A_token_round_trips_through_its_text()
    {
        var token = JoinToken.Create(_root.Certificate);
        Assert.True(JoinToken.TryParse(token.ToString(), out var parsed, out var error));
        Assert.Equal(token, parsed);
        Assert.Equal("", error);

        // as pasted from a terminal
        Assert.True(JoinToken.TryParse($"  {token}\n", out parsed, out _));
        Assert.Equal(token, parsed);
    }

    public static TheoryData<string?, string> Malformed()
    {
        const string digest = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcd";
        const string secret = "s3cr3tv4lu3abcdefghijklmn";
        return new()
        {
            { null, "has the form SWMTKN-1-<root digest>-<secret>" },
            { "", "has the form SWMTKN-1-<root digest>-<secret>" },
            { "hello", "has the form SWMTKN-1-<root digest>-<secret>" },
            { $"SWMTKN-1-{digest}", "has the form SWMTKN-1-<root digest>-<secret>" },
            { $"SWMTKN-1-{digest}-{secret}-extra", "has the form SWMTKN-1-<root digest>-<secret>" },
            { $"SWMTKX-1-{digest}-{secret}", "has the form SWMTKN-1-<root digest>-<secret>" },
            { $"SWMTKN-2-{digest}-{secret}", "join token version '2' is not supported (expected 1)" },
            { $"SWMTKN-{secret}-{digest}-{secret}", "the join token's version is not supported (expected 1)" },
            { $"SWMTKN-1-{digest[..49]}-{secret}", "root digest must be 50 characters of [0-9a-z]" },
            { $"SWMTKN-1-{digest.ToUpperInvariant()}-{secret}", "root digest must be 50 characters of [0-9a-z]" },
            { $"SWMTKN-1-{digest}-{secret}x", "secret must be 25 characters of [0-9a-z]" },
            { $"SWMTKN-1-{digest}-{secret[..24]}", "secret must be 25 characters of [0-9a-z]" },
            { $"SWMTKN-1-{digest}-{secret[..24]}_", "secret must be 25 characters of [0-9a-z]" },
            { $"SWMTKN-1-{digest}-{secret.ToUpperInvariant()}", "secret must be 25 characters of [0-9a-z]" },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_token_is_refused_saying_what_is_wrong_without_repeating_the_secret(string? text, string expected)
    {
        Assert.False(JoinToken.TryParse(text, out var token, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal("", token.Secret);
        foreach (var secretLike in new[] { "s3cr3tv4lu3abcdefghijklm", "S3CR3TV4LU3ABCDEFGHIJKLM" })
        {
            Assert.DoesNotContain(secretLike, error, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void A_token_pins_its_root_only()
    {
        var token = JoinToken.Create(_root.Certificate);
        Assert.True(token.Pins(_root.Certificate));
        Assert.False(token.Pins(_other.Certificate));

        var moved = token.WithRoot(_other.Certificate);
        Assert.True(moved.Pins(_other.Certificate));
        Assert.False(moved.Pins(_root.Certificate));
        Assert.Equal(token.Secret, moved.Secret);
    }

    [Fact]
    public void HasSecret_matches_only_the_tokens_own_secret()
    {
        var token = JoinToken.Create(_root.Certificate);
        Assert.True(token.HasSecret(token.Secret));
        Assert.False(token.HasSecret(JoinToken.NewSecret()));
        Assert.False(token.HasSecret(token.Secret[..24]));
        Assert.False(token.HasSecret(token.Secret + "0"));
        Assert.False(token.HasSecret(""));
        Assert.False(token.HasSecret(null!));
    }

    [Fact]
    public void The_digest_is_base_36_of_the_roots_sha256()
    {
        var digest = JoinToken.DigestOf(_root.Certificate);
        Assert.Matches("^[0-9a-z]{50}$", digest);
        var value = System.Numerics.BigInteger.Zero;
        foreach (var c in digest)
        {
            value = value * 36 + (c <= '9' ? c - '0' : c - 'a' + 10);
        }

        var expected = new System.Numerics.BigInteger(System.Security.Cryptography.SHA256.HashData(_root.Certificate.RawData), isUnsigned: true, isBigEndian: true);
        Assert.Equal(expected, value);
    }

    public void Dispose()
    {
        _root.Dispose();
        _other.Dispose();
    }
}
