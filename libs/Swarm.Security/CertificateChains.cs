using System.Security.Cryptography.X509Certificates;

namespace Swarm.Security;

/// <summary>
/// Verifies that a peer's certificate chains to one of the cluster's roots — and only to those: the machine's
/// own trust store plays no part. No revocation lists: a removed node is refused by its node id.
/// </summary>
public static class CertificateChains
{
    /// <summary>
    /// Null when <paramref name="leaf"/> chains to one of <paramref name="roots"/> (through <paramref name="intermediates"/>
    /// when given, e.g. a cross-signed root) and is valid at <paramref name="now"/>; else why not.
    /// </summary>
    public static string? Verify(X509Certificate2 leaf, IEnumerable<X509Certificate2> roots, DateTimeOffset now,
        IEnumerable<X509Certificate2>? intermediates = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        foreach (var root in roots)
        {
            chain.ChainPolicy.CustomTrustStore.Add(root);
        }

        if (chain.ChainPolicy.CustomTrustStore.Count == 0)
        {
            return "no trusted root";
        }

        foreach (var intermediate in intermediates ?? [])
        {
            chain.ChainPolicy.ExtraStore.Add(intermediate);
        }

        if (chain.Build(leaf))
        {
            return null;
        }

        var problems = chain.ChainStatus
            .Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => s.Status switch
            {
                X509ChainStatusFlags.NotTimeValid => TimeProblem(leaf, now),
                X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain => "the certificate was not issued by this cluster's CA",
                _ => s.StatusInformation.Trim(),
            })
            .Distinct()
            .ToList();
        return problems.Count == 0 ? "the certificate chain does not verify" : string.Join("; ", problems);
    }

    /// <summary>Why a chain is outside its validity at <paramref name="now"/> (NotBefore/NotAfter are local times: compared in UTC).</summary>
    private static string TimeProblem(X509Certificate2 leaf, DateTimeOffset now)
    {
        var notAfter = leaf.NotAfter.ToUniversalTime();
        if (notAfter < now.UtcDateTime)
        {
            return $"the certificate expired at {notAfter:u}";
        }

        return leaf.NotBefore.ToUniversalTime() > now.UtcDateTime
            ? $"the certificate is not valid yet (from {leaf.NotBefore.ToUniversalTime():u})"
            : "a root or intermediate of the certificate's chain is outside its validity";
    }

    /// <summary>
    /// Verifies <paramref name="leaf"/> as a peer of <paramref name="role"/> (when given) in <paramref name="clusterId"/>
    /// (when given): null when it is one, else why not.
    /// </summary>
    public static string? VerifyPeer(X509Certificate2 leaf, IEnumerable<X509Certificate2> roots, DateTimeOffset now, string? role, string? clusterId,
        IEnumerable<X509Certificate2>? intermediates = null)
    {
        if (Verify(leaf, roots, now, intermediates) is { } problem)
        {
            return problem;
        }

        var identity = CertificateIdentity.From(leaf);
        if (identity is null)
        {
            return "the certificate does not name a node id, role and cluster";
        }

        if (clusterId is not null && identity.ClusterId != clusterId)
        {
            return $"the certificate belongs to cluster {identity.ClusterId}, not {clusterId}";
        }

        if (role is not null && identity.Role != role)
        {
            return $"the certificate's role is {identity.Role}; {role} is needed";
        }

        return null;
    }
}
