using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;

namespace Swarm.Ctl.Output;

/// <summary>Human output of the cluster CA, its rotation, join tokens and a node's certificate. Pure.</summary>
public static class CaViews
{
    /// <summary>The dispatcher's agent port as <c>./swarm up</c> starts the first replica.</summary>
    public const string DispatcherPlaceholder = "https://DISPATCHER-HOST:4243";

    /// <summary><c>cluster ca</c>: each root (the signing one first), the certificate lifetime, the rotation under way.</summary>
    public static string Ca(CaView ca, DateTimeOffset now)
    {
        var rows = new List<(string, string)> { ("Cluster", ca.ClusterId) };
        for (var i = 0; i < ca.Roots.Count; i++)
        {
            var root = ca.Roots[i];
            var role = ca.Roots.Count == 1 ? "Root CA" : i == 0 ? "Root CA (signing)" : "Root CA (previous)";
            rows.Add((role, root.Fingerprint));
            rows.Add(("  expires", $"{Humanize.Timestamp(root.NotAfter)} (in {Humanize.Duration(root.NotAfter - now)})"));
        }

        rows.Add(("Node cert expiry", Cli.Durations.Format(TimeSpan.FromSeconds(ca.NodeCertExpirySeconds))));
        rows.Add(("Rotation", ca.Rotation is { } r ? $"started {Humanize.Timestamp(r.StartedAt)}: {RotationProgress(r)}" : "none"));
        return Views.KeyValues(rows);
    }

    /// <summary><c>3 of 5 nodes renewed</c>.</summary>
    public static string RotationProgress(CaRotationView rotation) => $"{rotation.NodesRenewed} of {rotation.NodesTotal} nodes renewed";

    /// <summary>What <c>docker swarm join-token</c> prints: the command that starts a node which joins with the token.</summary>
    public static string JoinCommand(string kind, string token) =>
        $"To add a {kind} to this swarm, run the following command:\n\n" +
        $"    Swarm.Worker --join-token {token} --dispatcher {DispatcherPlaceholder}\n\n" +
        "(or set SWARM_JOIN_TOKEN instead of --join-token; DISPATCHER-HOST is a manager running a dispatcher)\n";

    /// <summary>The rows of <c>node inspect</c> about the node's certificate and so its TLS status.</summary>
    public static IEnumerable<(string, string)> NodeCertificate(NodeCertificateInfo? certificate, DateTimeOffset now)
    {
        if (certificate is null)
        {
            yield return ("TLS", "no certificate (the node has not joined with a token)");
            yield break;
        }

        yield return ("TLS", certificate.NotAfter <= now
            ? $"certificate EXPIRED {Humanize.Duration(now - certificate.NotAfter)} ago: the node must join again"
            : "mutual TLS with a certificate of the cluster CA");
        yield return ("Cert role", certificate.Role);
        yield return ("Cert expiry", $"{Humanize.Timestamp(certificate.NotAfter)} (in {Humanize.Duration(certificate.NotAfter - now)})");
        yield return ("Cert issuer", certificate.IssuerFingerprint.Length > 0 ? $"root {certificate.IssuerFingerprint}" : "unknown root");
        yield return ("Cert serial", certificate.Serial);
    }
}
