namespace Swarm.ControlApi.Contracts;

/// <summary>
/// Body of <c>POST /api/cluster/ca/client-certificate</c>: a certificate signing request (DER, base64) for a key the
/// administrator keeps, and the name the certificate carries (its CN).
/// </summary>
public sealed record ClientCertificateRequest
{
    public string Csr { get; init; } = "";
    public string Name { get; init; } = "";
}
