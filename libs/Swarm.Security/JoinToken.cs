using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Swarm.Security;

/// <summary>
/// A join token in SwarmKit's format <c>SWMTKN-1-&lt;root digest&gt;-&lt;secret&gt;</c>: the digest (base 36 of the
/// SHA-256 of the root CA certificate, 50 characters) lets a joining node pin the cluster's root before it
/// trusts anything the server says; the secret (base 36 of 128 random bits, 25 characters) admits it.
/// </summary>
public sealed record JoinToken(string RootDigest, string Secret)
{
    public const string Prefix = "SWMTKN";
    public const int Version = 1;
    private const int DigestLength = 50;
    private const int SecretLength = 25;

    public override string ToString() => $"{Prefix}-{Version}-{RootDigest}-{Secret}";

    /// <summary>A new token for <paramref name="root"/> with a fresh random secret.</summary>
    public static JoinToken Create(X509Certificate2 root) => new(DigestOf(root), NewSecret());

    /// <summary>The same secret pinned to another root (after a root rotation the tokens name the new root).</summary>
    public JoinToken WithRoot(X509Certificate2 root) => this with { RootDigest = DigestOf(root) };

    /// <summary>A fresh secret: 128 random bits in base 36.</summary>
    public static string NewSecret() => Base36(RandomNumberGenerator.GetBytes(16), SecretLength);

    /// <summary>The digest of a root certificate as tokens carry it.</summary>
    public static string DigestOf(X509Certificate2 root) => Base36(SHA256.HashData(root.RawData), DigestLength);

    /// <summary>Does this token pin <paramref name="root"/>?</summary>
    public bool Pins(X509Certificate2 root) => CryptographicOperations.FixedTimeEquals(
        Encoding.ASCII.GetBytes(RootDigest), Encoding.ASCII.GetBytes(DigestOf(root)));

    /// <summary>Is <paramref name="secret"/> this token's secret? (constant time)</summary>
    public bool HasSecret(string secret) => CryptographicOperations.FixedTimeEquals(
        Encoding.ASCII.GetBytes(Secret), Encoding.ASCII.GetBytes(secret ?? ""));

    /// <summary>Parses a token; on failure <paramref name="error"/> says what is wrong, without echoing the secret.</summary>
    public static bool TryParse(string? text, out JoinToken token, out string error)
    {
        token = new JoinToken("", "");
        var parts = (text ?? "").Trim().Split('-');
        if (parts.Length != 4 || parts[0] != Prefix)
        {
            error = $"a join token has the form {Prefix}-{Version}-<root digest>-<secret> (get one with 'swarmctl cluster join-token worker')";
            return false;
        }

        if (parts[1] != Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            // only a short number is repeated: whatever else stands there may be part of a secret pasted out of place
            error = parts[1].Length <= 3 && parts[1].All(char.IsAsciiDigit)
                ? $"join token version '{parts[1]}' is not supported (expected {Version})"
                : $"the join token's version is not supported (expected {Version})";
            return false;
        }

        if (parts[2].Length != DigestLength || !IsBase36(parts[2]))
        {
            error = $"the join token's root digest must be {DigestLength} characters of [0-9a-z]";
            return false;
        }

        if (parts[3].Length != SecretLength || !IsBase36(parts[3]))
        {
            error = $"the join token's secret must be {SecretLength} characters of [0-9a-z]";
            return false;
        }

        token = new JoinToken(parts[2], parts[3]);
        error = "";
        return true;
    }

    private static bool IsBase36(string s) => s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'z');

    private static string Base36(byte[] bytes, int width)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var sb = new StringBuilder();
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 36, out var rem);
            sb.Insert(0, digits[(int)rem]);
        }

        return sb.ToString().PadLeft(width, '0');
    }
}
