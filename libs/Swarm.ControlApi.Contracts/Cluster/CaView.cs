namespace Swarm.ControlApi.Contracts;

/// <summary>
/// <c>GET /api/cluster/ca</c> and the answer of <c>POST /api/cluster/ca/rotate</c>: the roots the cluster trusts
/// (the signing root first), the lifetime of node certificates issued now, and the root rotation under way, if any.
/// Public parts only: never a key.
/// </summary>
public sealed record CaView
{
    public string ClusterId { get; init; } = "";
    public IReadOnlyList<CaRootView> Roots { get; init; } = [];
    public long NodeCertExpirySeconds { get; init; }
    public CaRotationView? Rotation { get; init; }
}
