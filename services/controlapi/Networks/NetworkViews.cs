using Swarm.ControlApi.Contracts;
using Swarm.Domain.Networks;

namespace Swarm.ControlApi.Networks;

/// <summary>The answers of <c>/api/networks</c>, built from the network read model.</summary>
public static class NetworkViews
{
    public static NetworkView View(Network n, IReadOnlyList<string> services) => new()
    {
        Id = n.Id,
        Name = n.Name,
        Driver = string.IsNullOrEmpty(n.Driver) ? "overlay" : n.Driver,
        Subnet = n.Subnet,
        Gateway = n.Gateway,
        Attachable = n.Attachable,
        Ingress = n.Ingress,
        Labels = n.Labels ?? new Dictionary<string, string>(),
        CreatedAt = n.CreatedAt,
        Services = services,
    };
}
