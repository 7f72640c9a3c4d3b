using System.Security.Cryptography.X509Certificates;

namespace Swarm.Security;

/// <summary>
/// Who a certificate says its holder is: CN the node id (or a client's name), OU the role, O the cluster id.
/// The identity used for a decision is always this, read from the peer's verified certificate.
/// </summary>
public sealed record CertificateIdentity(string NodeId, string Role, string ClusterId)
{
    public bool IsManager => Role == NodeRoles.Manager;

    /// <summary>The distinguished name an issued certificate gets.</summary>
    public X500DistinguishedName ToDistinguishedName()
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(ClusterId);
        builder.AddOrganizationalUnitName(Role);
        builder.AddCommonName(NodeId);
        return builder.Build();
    }

    /// <summary>Reads CN, OU and O; null when one is missing.</summary>
    public static CertificateIdentity? From(X509Certificate2 certificate)
    {
        string? cn = null, ou = null, o = null;
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            var value = rdn.GetSingleElementValue();
            switch (rdn.GetSingleElementType().Value)
            {
                case "2.5.4.3": cn = value; break;
                case "2.5.4.11": ou = value; break;
                case "2.5.4.10": o = value; break;
            }
        }

        return string.IsNullOrEmpty(cn) || string.IsNullOrEmpty(ou) || string.IsNullOrEmpty(o) ? null : new CertificateIdentity(cn, ou, o);
    }
}
