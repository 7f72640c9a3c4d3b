using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Services;

namespace Swarm.Domain.Scheduling;

/// <summary>How a constraint compares the node's attribute with its value.</summary>
public enum ConstraintOperator
{
    Equal,
    NotEqual,
}

/// <summary>
/// One placement constraint as operators write it, e.g. <c>node.labels.zone==east</c> or
/// <c>node.role!=manager</c>. Keys: <c>node.id</c>, <c>node.hostname</c>, <c>node.ip</c> (an address or a
/// CIDR range), <c>node.role</c>, <c>node.platform.os</c>, <c>node.platform.arch</c>,
/// <c>node.labels.&lt;key&gt;</c> and <c>engine.labels.&lt;key&gt;</c>. Values compare case-insensitively.
/// </summary>
public sealed partial record Constraint(string Expression, string Key, ConstraintOperator Operator, string Value)
{
    private const string NodeLabelsPrefix = "node.labels.";
    private const string EngineLabelsPrefix = "engine.labels.";

    private static readonly string[] FixedKeys = ["node.id", "node.hostname", "node.ip", "node.role", "node.platform.os", "node.platform.arch"];

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9_.\-]*$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^[a-zA-Z0-9:\-_\s.*()?+\[\]\\^$|/]+$")]
    private static partial Regex ValuePattern();

    /// <summary>
    /// Parses <paramref name="expression"/>; on failure returns an error for <paramref name="field"/> that
    /// quotes the expression.
    /// </summary>
    public static (Constraint? Constraint, ValidationError? Error) Parse(string? expression, string field = "spec.placement.constraints")
    {
        var text = expression ?? "";
        ValidationError Fail(string why) => new(field, $"'{text}' is not a valid constraint: {why}");

        var eq = text.IndexOf("==", StringComparison.Ordinal);
        var ne = text.IndexOf("!=", StringComparison.Ordinal);
        if (eq < 0 && ne < 0)
        {
            return (null, Fail("expected KEY==VALUE or KEY!=VALUE"));
        }

        var (at, op) = eq >= 0 && (ne < 0 || eq < ne) ? (eq, ConstraintOperator.Equal) : (ne, ConstraintOperator.NotEqual);
        var key = text[..at].Trim();
        var value = text[(at + 2)..].Trim();
        if (value.Contains("==", StringComparison.Ordinal) || value.Contains("!=", StringComparison.Ordinal))
        {
            return (null, Fail("only one operator (== or !=) is allowed"));
        }

        if (key.Length == 0 || !KeyPattern().IsMatch(key))
        {
            return (null, Fail("the key is missing or has characters other than letters, digits, '_', '.' or '-'"));
        }

        var lowerKey = key.ToLowerInvariant();
        var isLabel = lowerKey.StartsWith(NodeLabelsPrefix, StringComparison.Ordinal) || lowerKey.StartsWith(EngineLabelsPrefix, StringComparison.Ordinal);
        if (isLabel)
        {
            var prefixLength = lowerKey.StartsWith(NodeLabelsPrefix, StringComparison.Ordinal) ? NodeLabelsPrefix.Length : EngineLabelsPrefix.Length;
            if (key.Length == prefixLength)
            {
                return (null, Fail("the label name is missing"));
            }

            key = lowerKey[..prefixLength] + key[prefixLength..];
        }
        else if (Array.IndexOf(FixedKeys, lowerKey) < 0)
        {
            return (null, Fail($"unknown key '{key}' (use node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<name> or engine.labels.<name>)"));
        }
        else
        {
            key = lowerKey;
        }

        if (value.Length == 0 || !ValuePattern().IsMatch(value))
        {
            return (null, Fail("the value is missing or has characters that are not allowed"));
        }

        if (key == "node.ip" && !IpMatcher.TryParse(value, out _))
        {
            return (null, Fail($"'{value}' is not an IP address or CIDR range"));
        }

        return (new Constraint(text, key, op, value), null);
    }

    /// <summary>Parses every expression; the first error found is returned (its field names the index).</summary>
    public static (IReadOnlyList<Constraint> Constraints, ValidationError? Error) ParseAll(IReadOnlyList<string>? expressions, string field = "spec.placement.constraints")
    {
        if (expressions is null || expressions.Count == 0)
        {
            return ([], null);
        }

        var parsed = new List<Constraint>(expressions.Count);
        for (var i = 0; i < expressions.Count; i++)
        {
            var (constraint, error) = Parse(expressions[i], $"{field}[{i}]");
            if (error is not null)
            {
                return ([], error);
            }

            parsed.Add(constraint!);
        }

        return (parsed, null);
    }

    /// <summary>Whether the node satisfies this constraint.</summary>
    public bool Matches(Node node)
    {
        bool equal;
        if (Key == "node.ip")
        {
            equal = IpMatcher.TryParse(Value, out var range) && range.Contains(node.Description.Address);
        }
        else if (Key.StartsWith(NodeLabelsPrefix, StringComparison.Ordinal))
        {
            var name = Key[NodeLabelsPrefix.Length..];
            var found = node.Labels.TryGetValue(name, out var label) || node.Description.Labels.TryGetValue(name, out label);
            if (!found)
            {
                // A missing label never equals anything, so it always satisfies "!=".
                return Operator == ConstraintOperator.NotEqual;
            }

            equal = string.Equals(label, Value, StringComparison.OrdinalIgnoreCase);
        }
        else if (Key.StartsWith(EngineLabelsPrefix, StringComparison.Ordinal))
        {
            if (!node.Description.EngineLabels.TryGetValue(Key[EngineLabelsPrefix.Length..], out var label))
            {
                return Operator == ConstraintOperator.NotEqual;
            }

            equal = string.Equals(label, Value, StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            var actual = Key switch
            {
                "node.id" => node.Id.ToString(),
                "node.hostname" => node.Hostname,
                "node.role" => node.Description.Role,
                "node.platform.os" => node.Description.Os,
                "node.platform.arch" => Platforms.NormalizeArchitecture(node.Description.Architecture),
                _ => "",
            };
            var expected = Key == "node.platform.arch" ? Platforms.NormalizeArchitecture(Value) : Value;
            equal = string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
        }

        return Operator == ConstraintOperator.Equal ? equal : !equal;
    }

    public override string ToString() => Expression;

    /// <summary>
    /// Whether the node satisfies the spec's constraints and platforms (not its resources, ports or the
    /// node's readiness). <paramref name="reason"/> says what failed, e.g.
    /// <c>constraint 'node.labels.zone==east' not satisfied</c>.
    /// </summary>
    public static bool NodeMatches(ServiceSpec spec, Node node, out string? reason)
    {
        var (constraints, error) = ParseAll(spec.Placement?.Constraints);
        if (error is not null)
        {
            reason = error.Reason;
            return false;
        }

        foreach (var constraint in constraints)
        {
            if (!constraint.Matches(node))
            {
                reason = ConstraintReason(constraint);
                return false;
            }
        }

        if (!Platforms.Supports(spec.Placement?.Platforms, node.Description))
        {
            reason = Platforms.UnsupportedReason;
            return false;
        }

        reason = null;
        return true;
    }

    internal static string ConstraintReason(Constraint constraint) => $"constraint '{constraint.Expression}' not satisfied";
}

/// <summary>Platform matching: os and architecture, with <c>x86_64</c> read as <c>amd64</c> and <c>aarch64</c> as <c>arm64</c>.</summary>
public static class Platforms
{
    public const string UnsupportedReason = "unsupported platform";

    public static string NormalizeArchitecture(string? architecture) => architecture?.Trim().ToLowerInvariant() switch
    {
        "x86_64" or "x86-64" or "x64" => "amd64",
        "aarch64" or "arm64" => "arm64",
        null => "",
        var other => other,
    };

    /// <summary>Whether the node runs one of the platforms (no platforms means any).</summary>
    public static bool Supports(IReadOnlyList<PlatformSpec>? platforms, NodeDescription node)
    {
        if (platforms is null || platforms.Count == 0)
        {
            return true;
        }

        var arch = NormalizeArchitecture(node.Architecture);
        foreach (var p in platforms)
        {
            var osOk = string.IsNullOrEmpty(p.Os) || string.Equals(p.Os.Trim(), node.Os, StringComparison.OrdinalIgnoreCase);
            var archOk = string.IsNullOrEmpty(p.Architecture) || NormalizeArchitecture(p.Architecture) == arch;
            if (osOk && archOk)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>An IP address or CIDR range, for <c>node.ip</c> constraints.</summary>
internal readonly record struct IpMatcher(IPAddress Network, int PrefixLength)
{
    public static bool TryParse(string text, out IpMatcher matcher)
    {
        matcher = default;
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        var max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], out prefix) || prefix < 0 || prefix > max))
        {
            return false;
        }

        matcher = new IpMatcher(address, prefix);
        return true;
    }

    public bool Contains(string? addressText)
    {
        if (string.IsNullOrEmpty(addressText))
        {
            return false;
        }

        // Addresses may come as host:port or [v6]:port.
        if (!IPAddress.TryParse(addressText, out var address))
        {
            if (!IPEndPoint.TryParse(addressText, out var endPoint))
            {
                return false;
            }

            address = endPoint.Address;
        }

        if (address.IsIPv4MappedToIPv6 && Network.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != Network.AddressFamily)
        {
            return false;
        }

        var a = address.GetAddressBytes();
        var n = Network.GetAddressBytes();
        var bits = PrefixLength;
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (n[i] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
