namespace Swarm.ControlApi.Contracts;

/// <summary>An administrator's client certificate: <see cref="Certificate"/> the leaf then intermediates (PEM), <see cref="Ca"/> the roots to trust (PEM).</summary>
public sealed record ClientCertificateView
{
    public string Certificate { get; init; } = "";
    public string Ca { get; init; } = "";
}
