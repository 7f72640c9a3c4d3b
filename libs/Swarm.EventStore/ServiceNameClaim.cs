namespace Swarm.EventStore;

/// <summary>
/// Reserves a service name. Inserted in the same transaction as <c>ServiceCreated</c>, so two creates
/// of one name cannot both commit; deleted with <c>ServiceRemoved</c>.
/// </summary>
public sealed class ServiceNameClaim
{
    public string Id { get; set; } = "";
    public Guid ServiceId { get; set; }
}
