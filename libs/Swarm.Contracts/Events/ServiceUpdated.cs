using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>A service's spec changed; <see cref="SpecVersion"/> counts spec changes from 1.</summary>
public sealed record ServiceUpdated
{
    public Guid ServiceId { get; init; }
    public ServiceSpec Spec { get; init; } = new();
    public ServiceSpec PreviousSpec { get; init; } = new();
    public long SpecVersion { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
