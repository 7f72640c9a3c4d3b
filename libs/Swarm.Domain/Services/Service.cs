using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Services;

/// <summary>The service aggregate; also the service read model.</summary>
public sealed record Service
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public ServiceSpec Spec { get; init; } = new();
    public ServiceSpec? PreviousSpec { get; init; }
    public long SpecVersion { get; init; }
    public bool Removed { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public static Service Create(ServiceCreated e) => new()
    {
        Id = e.ServiceId,
        Name = e.Spec.Name,
        Spec = e.Spec,
        SpecVersion = 1,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.CreatedAt,
    };

    public Service Apply(ServiceUpdated e) => this with
    {
        Spec = e.Spec,
        PreviousSpec = e.PreviousSpec,
        SpecVersion = e.SpecVersion,
        UpdatedAt = e.UpdatedAt,
    };

    public Service Apply(ServiceRemoved e) => this with { Removed = true, UpdatedAt = e.RemovedAt };
}
